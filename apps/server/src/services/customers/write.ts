import type {
  CustomerCreateSchema,
  Customer as CustomerDto,
  CustomerPatchSchema,
  EventType,
  FieldErrors,
} from '@ccm/contract';
import type { z } from 'zod';
import type { CustomerValues } from '../../db/index.js';
import { contactEvent } from '../contacts/events.js';
import { contactDto, customerDto } from '../dto.js';
import { notFound, validationError } from '../errors.js';
import { changesOf, eventOf } from '../events.js';
import { checkIfMatch } from '../preconditions.js';
import { type CustomerDeps, checkUnique, customerDuplicate, NOT_FOUND, toValues } from './rules.js';

const customerEvent = (type: EventType, customer: CustomerDto, changes?: object) =>
  eventOf(type, { type: 'customer', id: customer.id }, customer, changes);

export async function create(
  { store, phoneRegion }: CustomerDeps,
  data: z.output<typeof CustomerCreateSchema>,
): Promise<CustomerDto> {
  const errors: FieldErrors = {};
  const values = toValues(data, phoneRegion, errors);
  if (Object.keys(errors).length > 0) throw validationError(errors);
  return store.transaction(async (t) => {
    await checkUnique(store, values, t);
    const defaults = { phoneNumber: null, address: null, isVerified: false, isActive: true };
    const row = await store.customers.insert({ ...defaults, ...values } as CustomerValues, t).catch((e) => {
      throw customerDuplicate(e);
    });
    const created = customerDto(row);
    store.events.append(t, [customerEvent('customer.created', created)]);
    return created;
  });
}

/** PUT (the required fields given) and PATCH (some); omitted fields keep their value. With `ifMatch`, conditional. */
export async function update(
  { store, phoneRegion }: CustomerDeps,
  id: number,
  data: z.output<typeof CustomerPatchSchema>,
  ifMatch?: string,
): Promise<CustomerDto> {
  const errors: FieldErrors = {};
  const values = toValues(data, phoneRegion, errors);
  return store.transaction(async (t) => {
    const customer = await store.customers.lock(id, t);
    if (!customer) throw notFound(NOT_FOUND);
    checkIfMatch(ifMatch, customer.version);
    if (Object.keys(errors).length > 0) throw validationError(errors);
    await checkUnique(store, values, t, id);
    const updated = await store.customers.update(customer, values, t).catch((e) => {
      throw customerDuplicate(e);
    });
    const [before, after] = [customerDto(customer), customerDto(updated)];
    const changes = changesOf(before, after);
    if (Object.keys(changes).length > 0) store.events.append(t, [customerEvent('customer.updated', after, changes)]);
    return after;
  });
}

/**
 * Deletes the customer and, with it, its contacts (each recorded as deleted too); with `ifMatch`, only if it is
 * still at that version.
 */
export async function remove({ store }: CustomerDeps, id: number, ifMatch?: string): Promise<void> {
  await store.transaction(async (t) => {
    const customer = await store.customers.lock(id, t);
    if (!customer) throw notFound(NOT_FOUND);
    checkIfMatch(ifMatch, customer.version);
    const contacts = await store.contacts.ofCustomerIn(id, t);
    if (!(await store.customers.remove(id, t))) throw notFound(NOT_FOUND);
    store.events.append(t, [
      ...contacts.map((c) => contactEvent('contact.deleted', contactDto(c))),
      customerEvent('customer.deleted', customerDto(customer)),
    ]);
  });
}
