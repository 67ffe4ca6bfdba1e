import fs from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { ContactExportQuerySchema, contract, type StreamSpec } from '@ccm/contract';
import { exportFileName, exportPieces } from '../export-file.js';
import type { RecordPages } from '../operations.js';
import type { Services } from '../services/index.js';
import { progressBar } from './progress.js';
import { UsageError } from './usage-error.js';

const SPEC = (contract.contacts.export.metadata as { stream: StreamSpec }).stream;

/** The query from the options, checked by the contract's schema of the API's query (the same rules and messages). */
function queryOf(values: Record<string, string | undefined>) {
  const parsed = ContactExportQuerySchema.safeParse({
    format: values.format,
    customer_id: values['customer-id'],
    is_active: values.active,
    is_primary: values.primary,
    search: values.search,
    ordering: values.ordering,
  });
  if (parsed.success) return parsed.data;
  const option = (field: string) =>
    ({ customer_id: '--customer-id', is_active: '--active', is_primary: '--primary' })[field] ?? `--${field}`;
  throw new UsageError(parsed.error.issues.map((i) => `${option(String(i.path[0]))}: ${i.message}`).join('; '));
}

/** The pages, counted on the progress line as they go by (the total is unknown until the end). */
async function* counted(pages: RecordPages, onCount: (n: number) => void): RecordPages {
  let n = 0;
  for await (const page of pages) {
    n += page.length;
    onCount(n);
    yield page;
  }
}

/**
 * `pnpm cli export [--format csv|ndjson] [--out FILE] [--customer-id N] [--active true|false] [--primary
 * true|false] [--search TEXT] [--ordering FIELD]`: the API's export, in this process, to a file (the API's file
 * name by default; `--out -` for stdout), written as the pages are read.
 */
export async function exportCommand(services: Services, args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: Object.fromEntries(
      ['format', 'out', 'customer-id', 'active', 'primary', 'search', 'ordering'].map((o) => [o, { type: 'string' }]),
    ) as Record<string, { type: 'string' }>,
  });
  const query = queryOf(values as Record<string, string | undefined>);
  const out = values.out ?? exportFileName(SPEC, query.format);
  let count = 0;
  const bar = progressBar('export');
  const pages = counted(await services.contacts.exportPages(query), (n) => {
    count = n;
    if (out !== '-') bar.update(n, undefined, 'contacts');
  });
  const target = out === '-' ? process.stdout : fs.createWriteStream(out);
  await pipeline(Readable.from(exportPieces(SPEC, query.format, pages)), target, { end: out !== '-' });
  bar.done();
  if (out !== '-') process.stdout.write(`Exported ${count} contacts to ${out}\n`);
  return 0;
}
