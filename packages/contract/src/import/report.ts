import Papa from 'papaparse';
import { CONTACT_CSV_COLUMNS, csvCell } from '../csv.js';
import type { FailedRow } from './run.js';

/** A failed row's messages in one cell: `email: Enter a valid email address.; customer: …`. */
export function messagesOf(row: FailedRow): string {
  return Object.entries(row.errors)
    .map(([field, messages]) => (field === 'non_field_errors' ? messages.join(' ') : `${field}: ${messages.join(' ')}`))
    .join('; ');
}

/**
 * The failed rows as a CSV file: their line in the imported file, their cells as given, and why. It imports
 * again once fixed (the import reads its columns and leaves `line` and `errors` aside). Cells a spreadsheet
 * would run as formulas are escaped as the export escapes them.
 */
export function failedRowsCsv(failed: readonly FailedRow[]): string {
  const fields = ['line', ...CONTACT_CSV_COLUMNS, 'errors'];
  const data = failed.map((row) => [
    String(row.line),
    ...CONTACT_CSV_COLUMNS.map((c) => csvCell(row.cells[c])),
    csvCell(messagesOf(row)),
  ]);
  return `${Papa.unparse({ fields, data }, { newline: '\r\n' })}\r\n`;
}
