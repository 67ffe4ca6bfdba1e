/**
 * `@ccm/sdk/import`: the contacts CSV import, in the browser or in Node, over a client of this SDK. The rules
 * (reading the file, checking each row, booleans, chunks of 1,000, the failed rows and their CSV report) are the
 * ones `pnpm cli import` uses too (@ccm/contract/import, bundled here); this adds the calls they make through the
 * client: `customers.lookup` and `contacts.bulkCreate`.
 *
 * @example
 * const report = await importContactsCsv(ccm, await file.text(), { dryRun: true });
 * if (report.failed.length) download(failedRowsCsv(report.failed));
 */
import {
  type ImportOptions,
  type ImportReport,
  type ImportTarget,
  importContacts,
  refusedItems,
} from '@ccm/contract/import';
import type { CcmClient } from './client.js';
import { CcmApiError } from './errors.js';

export * from '@ccm/contract/import';

/** What the import calls, through a client (its session, retries and time limits). */
export function clientImportTarget(client: Pick<CcmClient, 'customers' | 'contacts'>): ImportTarget {
  return {
    lookup: async (references) => (await client.customers.lookup({ body: { references } })).customers,
    bulkCreate: (contacts) =>
      client.contacts.bulkCreate({ body: { contacts } }).catch((error: unknown) => {
        const refused = CcmApiError.is(error) && error.status === 400 ? refusedItems(error.errors) : undefined;
        if (refused) return refused;
        throw error;
      }),
  };
}

/** Imports a contacts CSV (its text) through a client: checked first, then sent in chunks (see importContacts). */
export function importContactsCsv(
  client: Pick<CcmClient, 'customers' | 'contacts'>,
  text: string,
  options?: ImportOptions,
): Promise<ImportReport> {
  return importContacts(clientImportTarget(client), text, options);
}
