import type { Customer as CustomerDto, CustomerListQuery } from '@ccm/contract';
import { customerDto } from '../dto.js';
import { notFound } from '../errors.js';
import { parseOrdering, searchTerms } from '../lists.js';
import { offsetOf, type Paged, paged } from '../pagination.js';
import { type CustomerDeps, NOT_FOUND } from './rules.js';

export async function list(
  { store, phoneRegion }: CustomerDeps,
  query: CustomerListQuery,
): Promise<Paged<CustomerDto>> {
  const { count, rows } = await store.customers.list(
    { isActive: query.is_active, isVerified: query.is_verified, searchTerms: searchTerms(query.search, phoneRegion) },
    parseOrdering(query.ordering),
    query.page_size,
    offsetOf(query),
  );
  return paged(query, count, rows.map(customerDto));
}

export async function get({ store }: CustomerDeps, id: number): Promise<CustomerDto> {
  const customer = await store.customers.byId(id);
  if (!customer) throw notFound(NOT_FOUND);
  return customerDto(customer);
}
