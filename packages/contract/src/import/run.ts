import type { FieldErrors } from '../common.js';
import { type BulkCreateResult, type ContactCreate, MAX_BULK_ITEMS } from '../contacts.js';
import type { ContactCsvColumn } from '../csv.js';
import { type CustomerLookup, INACTIVE_CUSTOMER, MAX_LOOKUP_REFERENCES } from '../customers.js';
import { readContactsCsv } from './csv-file.js';
import { type CheckedRow, checkRow } from './rows.js';

/**
 * What an import needs of the API: the customers' lookup and bulk create (the SDK, or the services in process).
 * `bulkCreate` answers every item's outcome, a refusal of all of them too (see refusedItems); it throws only when
 * the request failed as a whole.
 */
export interface ImportTarget {
  lookup(references: string[]): Promise<CustomerLookup['customers']>;
  bulkCreate(contacts: ContactCreate[]): Promise<BulkCreateResult>;
}

/** A row that was not imported: its line, its cells as the file gave them, and why (the server's messages). */
export interface FailedRow {
  line: number;
  cells: Record<ContactCsvColumn, string>;
  errors: FieldErrors;
}

export interface ImportProgress {
  /** `checking`: rows read and customers looked up; `importing`: rows sent. */
  phase: 'checking' | 'importing';
  /** Rows decided, of `total`: refused by the checks, or sent (a dry run: all of them once checked). */
  done: number;
  total: number;
  created: number;
  failed: number;
}

export interface ImportOptions {
  /** Check every row (its shape here, its customer on the server) and write nothing. */
  dryRun?: boolean;
  /** Rows per bulk-create request (at most, and by default, 1,000). */
  chunkSize?: number;
  onProgress?: (progress: ImportProgress) => void;
}

export interface ImportReport {
  dryRun: boolean;
  /** Data rows in the file. */
  total: number;
  /** Rows that passed every check (a dry run), or that were created. */
  valid: number;
  created: number;
  /** Every row not imported, in line order. */
  failed: FailedRow[];
  /** Why the import stopped before its end (the rows from there on are in `failed`), if it did. */
  stopped?: string;
}

/**
 * A bulk create refused as a whole because every item failed (400 "No contacts were created.", its field errors
 * named `contacts.<index>.<field>`), as the per-item result a partial success has; undefined for any other refusal.
 */
export function refusedItems(fields: FieldErrors | undefined): BulkCreateResult | undefined {
  const byIndex = new Map<number, FieldErrors>();
  for (const [key, messages] of Object.entries(fields ?? {})) {
    const match = /^contacts\.(\d+)\.(.+)$/.exec(key);
    if (!match) return undefined;
    const errors = byIndex.get(Number(match[1])) ?? {};
    errors[match[2]!] = messages;
    byIndex.set(Number(match[1]), errors);
  }
  if (byIndex.size === 0) return undefined;
  const errors = [...byIndex.entries()].sort(([a], [b]) => a - b).map(([index, e]) => ({ index, errors: e }));
  return { created_contacts: [], errors };
}

const EMPTY_CELLS = { customer: '', email: '', wa_number: '', tp_number: '', is_primary: '', is_active: '' };
const chunksOf = <T>(items: T[], size: number) =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));

/** Which customer each reference names, looked up a chunk of distinct references at a time. */
async function resolve(target: ImportTarget, rows: CheckedRow[]) {
  const references = [...new Set(rows.map((r) => r.reference))];
  const found = new Map<string, CustomerLookup['customers'][number]['customer']>();
  for (const chunk of chunksOf(references, MAX_LOOKUP_REFERENCES)) {
    for (const { reference, customer } of await target.lookup(chunk)) found.set(reference, customer);
  }
  return found;
}

/** Why a row's customer cannot take contacts (none named, or inactive), in the server's words where it has them. */
function customerProblem(reference: string, customer: CustomerLookup['customers'][number]['customer'] | undefined) {
  if (!customer) return `No customer has the id, code or username "${reference}".`;
  return customer.is_active ? undefined : INACTIVE_CUSTOMER;
}

/**
 * The import of a contacts CSV: every row checked (its shape against the contract's schemas, its customer looked
 * up on the server), then, unless a dry run, the rows that passed sent with bulk create, a chunk of 1,000 at a
 * time, each item created or refused on its own. The report lists every row not imported, with its line and
 * messages. A request that fails as a whole (no answer, a refusal of the whole chunk) stops the import: its rows
 * and the ones after it are reported as not imported, so the report is always what to send again.
 */
export async function importContacts(target: ImportTarget, text: string, options: ImportOptions = {}) {
  const { rows, unreadable } = readContactsCsv(text);
  const total = rows.length + unreadable.length;
  const failed: FailedRow[] = unreadable.map((u) => ({
    line: u.line,
    cells: EMPTY_CELLS,
    errors: { non_field_errors: [u.message] },
  }));
  const progress = (p: Omit<ImportProgress, 'total'>) => options.onProgress?.({ ...p, total });
  const checked: CheckedRow[] = [];
  for (const row of rows) {
    const result = checkRow(row.line, row.cells);
    if ('row' in result) checked.push(result.row);
    else failed.push({ line: row.line, cells: row.cells, errors: result.errors });
  }
  progress({ phase: 'checking', done: failed.length, created: 0, failed: failed.length });
  const customers = await resolve(target, checked);
  const ready: { row: CheckedRow; item: ContactCreate }[] = [];
  for (const row of checked) {
    const customer = customers.get(row.reference);
    const problem = customerProblem(row.reference, customer);
    if (problem || !customer) failed.push({ line: row.line, cells: row.cells, errors: { customer: [problem ?? ''] } });
    else ready.push({ row, item: { customer: customer.id, ...row.contact } });
  }
  // Rows are done once decided: refused here, or (unless a dry run, where the check decides) sent.
  progress({ phase: 'checking', done: options.dryRun ? total : failed.length, created: 0, failed: failed.length });
  const report: ImportReport = { dryRun: options.dryRun ?? false, total, valid: ready.length, created: 0, failed };
  if (!options.dryRun) await send(target, ready, report, options, progress);
  report.failed.sort((a, b) => a.line - b.line);
  return report;
}

/** The rows that passed, a chunk at a time; each refused item's messages go to its row. */
async function send(
  target: ImportTarget,
  ready: { row: CheckedRow; item: ContactCreate }[],
  report: ImportReport,
  options: ImportOptions,
  progress: (p: Omit<ImportProgress, 'total'>) => void,
) {
  const size = Math.min(Math.max(1, options.chunkSize ?? MAX_BULK_ITEMS), MAX_BULK_ITEMS);
  const chunks = chunksOf(ready, size);
  let done = report.failed.length;
  for (const [i, chunk] of chunks.entries()) {
    let result: BulkCreateResult;
    try {
      result = await target.bulkCreate(chunk.map((c) => c.item));
    } catch (error) {
      report.stopped = error instanceof Error ? error.message : String(error);
      const message = `Not imported: the import stopped here (${report.stopped}).`;
      for (const { row } of chunks.slice(i).flat()) {
        report.failed.push({ line: row.line, cells: row.cells, errors: { non_field_errors: [message] } });
      }
      break;
    }
    for (const { index, errors } of result.errors) {
      const { row } = chunk[index]!;
      report.failed.push({ line: row.line, cells: row.cells, errors });
    }
    report.created += result.created_contacts.length;
    done += chunk.length;
    progress({ phase: 'importing', done, created: report.created, failed: report.failed.length });
  }
  report.valid = report.created;
}
