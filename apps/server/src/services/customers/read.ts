import type { Customer as CustomerDto, CustomerListQuery } from '@ccm/contract';
import { type CustomerRecord, fitsId } from '../../db/index.js';
import { customerDto } from '../dto.js';
import { notFound } from '../errors.js';
import { parseOrdering, searchTerms } from '../lists.js';
import { cursorStart, encodeCursor, keysetPaged, offsetOf, type Paged, type Position, paged } from '../pagination.js';
import { type CustomerDeps, NOT_FOUND } from './rules.js';

/** The value a keyset cursor holds for the list's sort column. */
function sortValue(by: string, c: CustomerRecord): string | number {
  if (by === 'created_at') return c.createdAt.toISOString();
  if (by === 'username') return c.username;
  return by === 'customer_id' ? (c.customerId ?? '') : c.id;
}

/** A cursor names a row that could exist: an id the id column can hold, and a sort value of the column's type. */
function validPosition(by: string, { value, id }: Position): boolean {
  if (!fitsId(id)) return false;
  if (by === 'created_at')
    return typeof value === 'string' && /^\d{4}-/.test(value) && !Number.isNaN(Date.parse(value));
  return by === 'id' ? Number.isSafeInteger(value) && fitsId(value as number) : typeof value === 'string';
}

/** The customer list: numbered pages, or keyset pages when asked for by `cursor` (as the contact list). */
export async function list(
  { store, phoneRegion }: CustomerDeps,
  query: CustomerListQuery,
): Promise<Paged<CustomerDto>> {
  const filter = {
    isActive: query.is_active,
    isVerified: query.is_verified,
    searchTerms: searchTerms(query.search, phoneRegion),
  };
  const order = parseOrdering(query.ordering);
  if (query.cursor === undefined) {
    const { count, rows } = await store.customers.list(filter, order, query.page_size, offsetOf(query));
    return paged(query, count, rows.map(customerDto));
  }
  const at = cursorStart(query, (p) => validPosition(order.by, p));
  const { count, rows } = await store.customers.list(filter, order, query.page_size + 1, 0, {
    after: at && { value: at.value, id: at.id },
    backward: at?.backward ?? false,
  });
  const cursorOf = (c: CustomerRecord, backward: boolean) =>
    encodeCursor({ ordering: query.ordering, value: sortValue(order.by, c), id: c.id, backward });
  return keysetPaged(rows, { count, pageSize: query.page_size, at }, cursorOf, customerDto);
}

export async function get({ store }: CustomerDeps, id: number): Promise<CustomerDto> {
  const customer = await store.customers.byId(id);
  if (!customer) throw notFound(NOT_FOUND);
  return customerDto(customer);
}
