import { Readable } from 'node:stream';
import { csvCell, type ExportFormat, type StreamSpec } from '@ccm/contract';
import { stringify } from 'csv-stringify/sync';
import type { Request, Response } from 'express';
import type { Logger } from '../logger.js';
import type { RecordPages } from '../operations.js';
import { requestIdOf } from './requestId.js';

/** The file's name: its kind and the day it was made (`contacts-2025-01-31.csv`). */
const fileName = (spec: StreamSpec, format: ExportFormat) =>
  `${spec.filename}-${new Date().toISOString().slice(0, 10)}.${format}`;

/**
 * The file a page at a time: the CSV's header, then each page's lines (csv-stringify quotes; csvCell keeps
 * formulas out), or each record as a line of JSON.
 */
async function* pieces(spec: StreamSpec, format: ExportFormat, pages: RecordPages): AsyncGenerator<string> {
  if (format === 'csv') {
    yield stringify([spec.csvColumns], { record_delimiter: 'windows' });
    for await (const page of pages) {
      const rows = page.map((r) => spec.csvColumns.map((c) => csvCell((r as Record<string, unknown>)[c])));
      yield stringify(rows, { record_delimiter: 'windows' });
    }
  } else {
    for await (const page of pages) yield page.map((r) => `${JSON.stringify(r)}\n`).join('');
  }
}

/**
 * A streamed route's answer (contacts.export): its headers, and the body as a stream that ts-rest pipes into the
 * response, so that a page is read from the database only when the client has taken the previous one (the pipe's
 * backpressure: memory stays flat). A client that goes away stops the reading; a failure once the file has begun
 * (the database gone) can no longer be an error answer: the connection is cut, so that the client sees a transfer
 * that did not complete rather than a file that looks whole.
 */
export function streamAnswer(
  spec: StreamSpec,
  format: ExportFormat,
  pages: RecordPages,
  { req, res, logger }: { req: Request; res: Response; logger: Logger },
): Readable {
  res.setHeader('Content-Type', spec.formats[format]);
  res.setHeader('Content-Disposition', `attachment; filename="${fileName(spec, format)}"`);
  res.setHeader('Cache-Control', 'no-store');
  const body = Readable.from(pieces(spec, format, pages), { highWaterMark: 1 });
  res.once('close', () => {
    if (!res.writableFinished) body.destroy();
  });
  body.once('error', (err) => {
    logger.error({ err, requestId: requestIdOf(res), url: req.originalUrl }, 'streamed answer cut short');
    res.destroy(err);
  });
  return body;
}
