/**
 * The contacts' CSV file, as the export writes it and the import reads it (so that an export imports again):
 * one header line of these columns, then one line per contact. `customer` is the customer's numeric id on
 * export; the import also takes its code (`CUST000123`) or its username.
 */
export const CONTACT_CSV_COLUMNS = ['customer', 'email', 'wa_number', 'tp_number', 'is_primary', 'is_active'] as const;
export type ContactCsvColumn = (typeof CONTACT_CSV_COLUMNS)[number];

/** The export's formats and their media types. */
export const EXPORT_FORMATS = { csv: 'text/csv; charset=utf-8', ndjson: 'application/x-ndjson' } as const;
export type ExportFormat = keyof typeof EXPORT_FORMATS;

/**
 * What a spreadsheet would run as a formula (CSV injection): a cell starting with `=`, `+`, `-`, `@`, a tab or a
 * carriage return. The apostrophe is there too, so that the escape below can always be undone.
 */
const FORMULA_START = /^[=+\-@\t\r']/;

/**
 * A value as a CSV cell of the export: booleans as `true`/`false`, and a text a spreadsheet would read as a formula
 * behind an apostrophe (`'+94771234567`, shown as text by every spreadsheet). The CSV quoting itself is the
 * writer's (csv-stringify, papaparse).
 */
export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'string' ? value : String(value);
  return FORMULA_START.test(text) ? `'${text}` : text;
}

/** A cell as the import reads it: one leading apostrophe, the export's escape (or a spreadsheet user's), removed. */
export const fromCsvCell = (cell: string): string => (cell.startsWith("'") ? cell.slice(1) : cell);
