/**
 * `@ccm/contract/import`: the rules of a contacts CSV import, one module for every place that imports (the
 * console in the browser, through `@ccm/sdk/import`, and `pnpm cli import` in Node): reading the file
 * (papaparse) with each record's line, a row as a bulk-create item (booleans as true/false, 1/0, yes/no), the
 * customer references looked up on the server, chunks of 1,000, the failed rows with their lines and the
 * server's messages, and their CSV report.
 */
export { type CsvRow, ImportFileError, REQUIRED_COLUMNS, readContactsCsv, type UnreadableRow } from './csv-file.js';
export { failedRowsCsv, messagesOf } from './report.js';
export { BOOLEAN_MESSAGE, type CheckedRow, checkRow, fieldErrorsOf, flagOf } from './rows.js';
export {
  type FailedRow,
  type ImportOptions,
  type ImportProgress,
  type ImportReport,
  type ImportTarget,
  importContacts,
  refusedItems,
} from './run.js';
