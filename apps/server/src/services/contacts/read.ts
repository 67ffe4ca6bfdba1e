import type {
  Contact as ContactDto,
  ContactListQuery,
  ContactStats,
  CustomerContacts,
  CustomersWithContactsQuery,
  CustomerWithContacts,
} from '@ccm/contract';
import { type ContactFilter, type ContactOrder, type ContactRecord, fitsId } from '../../db/index.js';
import { contactDto, customerRefDto, customerWithContactsDto } from '../dto.js';
import { notFound } from '../errors.js';
import { parseOrdering, searchTerms } from '../lists.js';
import { cursorStart, encodeCursor, keysetPaged, offsetOf, type Paged, type Position, paged } from '../pagination.js';
import { numberPrefix } from '../phone.js';
import { CONTACT_NOT_FOUND, type ContactDeps, CUSTOMER_NOT_FOUND } from './rules.js';

/** The value a keyset cursor holds for the list's sort column. */
export function sortValue(by: ContactOrder, r: ContactRecord): string | number {
  if (by === 'created_at') return r.createdAt.toISOString();
  return by === 'email' ? r.email : r.id;
}

/**
 * A cursor names a row that could exist: an id the id column can hold, and a sort value of the column's type (a
 * forged one must not reach SQL as an invalid date, or as an id PostgreSQL refuses to compare with an INTEGER).
 */
function validPosition(by: ContactOrder, { value, id }: Position): boolean {
  if (!fitsId(id)) return false;
  if (by === 'created_at')
    return typeof value === 'string' && !Number.isNaN(Date.parse(value)) && /^\d{4}-/.test(value);
  return by === 'email' ? typeof value === 'string' : Number.isSafeInteger(value) && fitsId(value as number);
}

/**
 * The list's filters for the data layer: a search that is the start of a phone number looks up the numbers by
 * their E.164 prefix (an index range); any other search is a substring of every searched column.
 */
export function contactFilter(
  query: Pick<ContactListQuery, 'customer_id' | 'is_active' | 'is_primary' | 'search'>,
  region: string,
): ContactFilter {
  const prefix = query.search === undefined ? undefined : numberPrefix(query.search, region);
  return {
    customerId: query.customer_id,
    isActive: query.is_active,
    isPrimary: query.is_primary,
    ...(prefix ? { numberPrefix: prefix } : { searchTerms: searchTerms(query.search, region) }),
  };
}

/** The contact list: numbered pages, or keyset pages when asked for by `cursor`. */
export async function list(deps: ContactDeps, query: ContactListQuery): Promise<Paged<ContactDto>> {
  const filter = contactFilter(query, deps.phoneRegion);
  const order = parseOrdering<ContactOrder>(query.ordering);
  if (query.cursor === undefined) {
    const { count, rows } = await deps.store.contacts.list(filter, order, query.page_size, offsetOf(query));
    return paged(
      query,
      count,
      rows.map((r) => contactDto(r)),
    );
  }
  return keysetPage(deps, query, filter, order);
}

/** A keyset page: one row more than the page tells whether there is a further page in that direction. */
async function keysetPage(
  deps: ContactDeps,
  query: ContactListQuery,
  filter: ContactFilter,
  order: { by: ContactOrder; desc: boolean },
): Promise<Paged<ContactDto>> {
  // An empty cursor is the start of the list.
  const at = cursorStart(query, (p) => validPosition(order.by, p));
  const { count, rows } = await deps.store.contacts.list(filter, order, query.page_size + 1, 0, {
    after: at && { value: at.value, id: at.id },
    backward: at?.backward ?? false,
  });
  const cursorOf = (r: ContactRecord, backward: boolean) =>
    encodeCursor({ ordering: query.ordering, value: sortValue(order.by, r), id: r.id, backward });
  return keysetPaged(rows, { count, pageSize: query.page_size, at }, cursorOf, (r) => contactDto(r));
}

export async function get(deps: ContactDeps, id: number): Promise<ContactDto> {
  const contact = await deps.store.contacts.byId(id);
  if (!contact) throw notFound(CONTACT_NOT_FOUND);
  return contactDto(contact);
}

export async function stats(deps: ContactDeps): Promise<ContactStats> {
  const s = await deps.store.counters.stats();
  return {
    total_contacts: s.total,
    active_contacts: s.active,
    inactive_contacts: s.total - s.active,
    primary_contacts: s.primaries,
    customers_with_contacts: s.withContacts,
    customers_without_contacts: s.customers - s.withContacts,
  };
}

/** The customer's contacts, primary first, then newest. */
export async function ofCustomer(deps: ContactDeps, customerId: number): Promise<CustomerContacts> {
  const customer = await deps.store.customers.byId(customerId);
  if (!customer) throw notFound(CUSTOMER_NOT_FOUND);
  const contacts = await deps.store.contacts.ofCustomer(customerId);
  return { customer: customerRefDto(customer), contacts: contacts.map((c) => contactDto(c, customer)) };
}

/** A page of customers, each with its contacts: three statements whatever the page size. */
export async function customersWithContacts(
  deps: ContactDeps,
  query: CustomersWithContactsQuery,
): Promise<Paged<CustomerWithContacts>> {
  const { count, rows } = await deps.store.customers.page(query.page_size, offsetOf(query));
  const contacts = await deps.store.contacts.ofCustomers(rows.map((c) => c.id));
  const byCustomer = new Map<number, ContactDto[]>();
  for (const c of contacts) {
    const list = byCustomer.get(c.customerId) ?? [];
    list.push(contactDto(c));
    byCustomer.set(c.customerId, list);
  }
  return paged(
    query,
    count,
    rows.map((c) => customerWithContactsDto(c, byCustomer.get(c.id) ?? [])),
  );
}
