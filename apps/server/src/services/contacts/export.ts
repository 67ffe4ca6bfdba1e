import type { Contact as ContactDto, ContactExportQuery } from '@ccm/contract';
import type { ContactOrder, ContactRecord } from '../../db/index.js';
import { contactDto } from '../dto.js';
import { parseOrdering } from '../lists.js';
import { contactFilter, sortValue } from './read.js';
import type { ContactDeps } from './rules.js';

/**
 * Rows per statement of an export (EXPORT_PAGE_SIZE): a page dies young, before V8 moves it to the old generation,
 * where dead pages would pile up until a full collection (1,000 rows: +90 MB over 100,000 contacts; 200: +4 MB,
 * as fast; docs/benchmarks.md).
 */
export const EXPORT_PAGE_SIZE = 200;

/**
 * Every contact the filters match, in the list's order, a page of rows at a time, each page after the last one's
 * keyset (so that memory stays flat however many there are, and a row is neither repeated nor skipped while
 * others change). The first page is read before this resolves: a filter the database refuses, or no database,
 * is an ordinary error answer, not a broken file. Not a snapshot: rows changed meanwhile appear as they are when
 * their page is read.
 */
export async function exportPages(
  deps: ContactDeps,
  query: ContactExportQuery,
  pageSize = EXPORT_PAGE_SIZE,
): Promise<AsyncIterable<ContactDto[]>> {
  const filter = contactFilter(query, deps.phoneRegion);
  const order = parseOrdering<ContactOrder>(query.ordering);
  const read = (after?: { value: string | number; id: number }) =>
    deps.store.contacts.slice(filter, order, pageSize, after);
  return pagesFrom(await read(), read, order.by, pageSize);
}

/** The pages from the first one on; the loop ends with a short page, or when the consumer stops asking. */
async function* pagesFrom(
  first: ContactRecord[],
  read: (after: { value: string | number; id: number }) => Promise<ContactRecord[]>,
  by: ContactOrder,
  pageSize: number,
): AsyncGenerator<ContactDto[]> {
  let rows = first;
  for (;;) {
    if (rows.length > 0) yield rows.map((r) => contactDto(r));
    const last = rows.at(-1);
    if (rows.length < pageSize || !last) return;
    rows = await read({ value: sortValue(by, last), id: last.id });
  }
}
