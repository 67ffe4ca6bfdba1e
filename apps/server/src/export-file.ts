import { csvCell, type ExportFormat, type StreamSpec } from '@ccm/contract';
import { stringify } from 'csv-stringify/sync';
import type { RecordPages } from './operations.js';

/** The file's name: its kind and the day it was made (`contacts-2025-01-31.csv`). */
export const exportFileName = (spec: StreamSpec, format: ExportFormat) =>
  `${spec.filename}-${new Date().toISOString().slice(0, 10)}.${format}`;

/**
 * An export's file a page at a time (the API's answer and `pnpm cli export` alike): the CSV's header, then each
 * page's lines (csv-stringify quotes, CRLF ends lines; csvCell keeps formulas out), or each record as a line of
 * JSON.
 */
export async function* exportPieces(
  spec: StreamSpec,
  format: ExportFormat,
  pages: RecordPages,
): AsyncGenerator<string> {
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
