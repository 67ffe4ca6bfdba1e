import type { Contact, Contract, ExportFormat } from '@ccm/contract';
import { rawOptions } from './methods.js';
import { STREAM_BODY, type TransportResponse } from './transport.js';
import type { RouteInput } from './types.js';

/** What `contacts.export` takes: the list's filters and ordering, `format` (`csv`, `ndjson`), and call options. */
export type ContactExportInput = RouteInput<Contract['contacts']['export']>;

/**
 * The export as it arrives: its name and type, and its body to read once, as a stream, an async iterable of text,
 * records (NDJSON), a Blob or a string. A transfer cut short (the server lost its database mid-way) rejects the
 * reading: a file read to its end is whole.
 */
export interface ContactExport extends AsyncIterable<string> {
  /** The name the server gave the file (`contacts-2025-01-31.csv`). */
  filename: string;
  format: ExportFormat;
  /** `text/csv; charset=utf-8` or `application/x-ndjson`. */
  contentType: string;
  /** The bytes, as they come (`Readable.fromWeb(file.body).pipe(...)` in Node). */
  body: ReadableStream<Uint8Array>;
  /** Each contact of an NDJSON export, as it comes. */
  records(): AsyncGenerator<Contact, void, undefined>;
  blob(): Promise<Blob>;
  text(): Promise<string>;
}

type RawExport = (args: Record<string, unknown>) => Promise<TransportResponse>;

/** `contacts.export`: the call goes through the client (token, renewal, retries until the headers), its body left unread. */
export function exportMethod(raw: RawExport) {
  return async (input: ContactExportInput = {}): Promise<ContactExport> => {
    const { query, ...options } = input as { query?: Record<string, unknown> } & Parameters<typeof rawOptions>[0];
    const answer = await raw({ ...(query ? { query } : {}), ...rawOptions(options), [STREAM_BODY]: true });
    let body = answer.body as ReadableStream<Uint8Array>;
    // The caller's signal stops the reading too (the call's own time limit ended with the headers).
    if (options.signal) body = body.pipeThrough(new TransformStream(), { signal: options.signal });
    const contentType = answer.headers.get('content-type') ?? '';
    const format: ExportFormat = contentType.startsWith('application/x-ndjson') ? 'ndjson' : 'csv';
    const filename = /filename="([^"]+)"/.exec(answer.headers.get('content-disposition') ?? '')?.[1];
    return fileOf(body, format, contentType, filename ?? `contacts.${format}`);
  };
}

function fileOf(body: ReadableStream<Uint8Array>, format: ExportFormat, contentType: string, filename: string) {
  const response = () => new Response(body, { headers: { 'content-type': contentType } });
  const file: ContactExport = {
    filename,
    format,
    contentType,
    body,
    [Symbol.asyncIterator]: () => textChunks(body),
    records: () => records(body),
    blob: () => response().blob(),
    text: () => response().text(),
  };
  return file;
}

async function* textChunks(body: ReadableStream<Uint8Array>): AsyncGenerator<string, void, undefined> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      const text = decoder.decode(value, { stream: true });
      if (text) yield text;
    }
    const last = decoder.decode();
    if (last) yield last;
  } finally {
    // Stopped early (a `break` in the caller's loop): the rest of the file is not downloaded.
    await reader.cancel().catch(() => undefined);
  }
}

async function* records(body: ReadableStream<Uint8Array>): AsyncGenerator<Contact, void, undefined> {
  let rest = '';
  for await (const chunk of textChunks(body)) {
    const lines = (rest + chunk).split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines) if (line) yield JSON.parse(line) as Contact;
  }
  if (rest) yield JSON.parse(rest) as Contact;
}
