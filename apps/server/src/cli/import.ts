import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { failedRowsCsv, ImportFileError, type ImportTarget, importContacts, refusedItems } from '@ccm/contract/import';
import { AppError, type Services } from '../services/index.js';
import { progressBar } from './progress.js';
import { UsageError } from './usage-error.js';

/**
 * The import's calls, in this process through the services: the same lookup and bulk create the API runs, as
 * the command line's changes (services/events.ts).
 */
function servicesTarget(services: Services): ImportTarget {
  return {
    lookup: async (references) => (await services.customers.lookup(references)).customers,
    bulkCreate: (contacts) =>
      services.contacts.bulkCreate(contacts).catch((error: unknown) => {
        const refused =
          error instanceof AppError && error.code === 'validation' ? refusedItems(error.fields) : undefined;
        if (refused) return refused;
        throw error;
      }),
  };
}

const n = (x: number) => x.toLocaleString('en');
const defaultReport = (file: string) => `${file.replace(/\.csv$/i, '')}.failed.csv`;

/**
 * `pnpm cli import FILE [--dry-run] [--report FILE]`: the rows checked, then (unless a dry run) sent in chunks of
 * 1,000, with a progress bar on stderr, a summary on stdout, and the failed rows written as CSV (FILE.failed.csv by
 * default). Exits 1 when a row failed.
 */
export async function importCommand(services: Services, args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { 'dry-run': { type: 'boolean', default: false }, report: { type: 'string' } },
  });
  const [file] = positionals;
  if (!file || positionals.length > 1) throw new UsageError('import needs one CSV file');
  if (!fs.existsSync(file)) throw new UsageError(`no file ${file}`);
  const dryRun = values['dry-run'] ?? false;
  const bar = progressBar(dryRun ? 'checking' : 'importing');
  const report = await importContacts(servicesTarget(services), fs.readFileSync(file, 'utf8'), {
    dryRun,
    onProgress: (p) => bar.update(p.done, p.total, `rows (${n(p.created)} created, ${n(p.failed)} failed)`),
  }).catch((error: unknown) => {
    throw error instanceof ImportFileError ? new UsageError(error.message) : error;
  });
  bar.done();
  const failed = report.failed.length;
  const summary = dryRun
    ? `Dry run: ${report.total} rows, ${report.valid} valid, ${failed} invalid; nothing was written.`
    : `Imported ${report.created} of ${report.total} rows; ${failed} failed.`;
  process.stdout.write(`${summary}\n`);
  if (report.stopped) process.stdout.write(`The import stopped early: ${report.stopped}\n`);
  if (failed > 0) {
    const out = values.report ?? defaultReport(file);
    fs.writeFileSync(out, failedRowsCsv(report.failed));
    process.stdout.write(`Failed rows (line, cells, errors): ${out}\n`);
  }
  return failed > 0 ? 1 : 0;
}
