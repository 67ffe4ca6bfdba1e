import Papa from 'papaparse';
import { CONTACT_CSV_COLUMNS, type ContactCsvColumn, fromCsvCell } from '../csv.js';

/** A record of the file: the line it starts on (the header is line 1) and its cells by column (unescaped). */
export interface CsvRow {
  line: number;
  cells: Record<ContactCsvColumn, string>;
}

/** A record the CSV parser could not read (a quote left open...): its line and the parser's words. */
export interface UnreadableRow {
  line: number;
  message: string;
}

/** A file that cannot be imported at all (no header, a required column missing): said in a sentence. */
export class ImportFileError extends Error {
  override name = 'ImportFileError';
}

/** The columns a file must have; `is_primary` and `is_active` may be left out (false and true). */
export const REQUIRED_COLUMNS: readonly ContactCsvColumn[] = ['customer', 'email', 'wa_number', 'tp_number'];

/** The column of each known header (case and spaces ignored); other columns (a report's `line`, `errors`) are not read. */
function columnsOf(header: string[]): Map<ContactCsvColumn, number> {
  const positions = new Map<ContactCsvColumn, number>();
  header.forEach((name, i) => {
    const column = name.trim().toLowerCase() as ContactCsvColumn;
    if (CONTACT_CSV_COLUMNS.includes(column) && !positions.has(column)) positions.set(column, i);
  });
  const missing = REQUIRED_COLUMNS.filter((c) => !positions.has(c));
  if (missing.length > 0) {
    throw new ImportFileError(
      `The file has no ${missing.map((c) => `"${c}"`).join(', ')} column: its first line must name the columns ` +
        `${CONTACT_CSV_COLUMNS.join(', ')}.`,
    );
  }
  return positions;
}

/** Every record of a contacts CSV with the line it starts on (quoted line breaks counted), blank lines skipped. */
export function readContactsCsv(text: string): { rows: CsvRow[]; unreadable: UnreadableRow[] } {
  const records: { line: number; cells: string[]; error?: string }[] = [];
  // One kind of line break (papaparse takes the first it meets as the only one), no byte order mark.
  const source = text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
  // A record spans the text from the previous one's end (its cursor) to its own, blank lines before it included.
  let from = 0;
  let line = 1;
  Papa.parse<string[]>(source, {
    skipEmptyLines: 'greedy',
    step: ({ data, errors, meta }) => {
      records.push({ line: line + blankLinesAt(source, from, meta.cursor), cells: data, error: errors[0]?.message });
      line += countBreaks(source, from, meta.cursor);
      from = meta.cursor;
    },
  });
  const [header, ...body] = records;
  if (!header) throw new ImportFileError('The file is empty: its first line must name the columns.');
  const positions = columnsOf(header.cells);
  const rows: CsvRow[] = [];
  const unreadable: UnreadableRow[] = [];
  for (const r of body) {
    if (r.error) unreadable.push({ line: r.line, message: `This line is not valid CSV: ${r.error}.` });
    else rows.push({ line: r.line, cells: cellsOf(r.cells, positions) });
  }
  return { rows, unreadable };
}

function cellsOf(cells: string[], positions: Map<ContactCsvColumn, number>): Record<ContactCsvColumn, string> {
  const out = {} as Record<ContactCsvColumn, string>;
  for (const column of CONTACT_CSV_COLUMNS) {
    const at = positions.get(column);
    out[column] = at === undefined ? '' : fromCsvCell((cells[at] ?? '').trim());
  }
  return out;
}

/** Line breaks in text[from, to). */
function countBreaks(text: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) if (text[i] === '\n') n += 1;
  return n;
}

/** The blank (or only spaces) lines at text[from], before a record that starts below them. */
function blankLinesAt(text: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const ch = text[i];
    if (ch === '\n') n += 1;
    else if (ch !== ' ' && ch !== '\t') break;
  }
  return n;
}
