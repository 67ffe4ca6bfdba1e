import type { CustomerCreateSchema, Customer as CustomerDto, CustomerPatchSchema, FieldErrors } from '@ccm/contract';
import type { z } from 'zod';
import type { CustomerValues } from '../../db/index.js';
import { customerDto } from '../dto.js';
import { notFound, validationError } from '../errors.js';
import { type CustomerDeps, checkUnique, customerDuplicate, NOT_FOUND, toValues } from './rules.js';

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
    return customerDto(row);
  });
}

/** PUT (the required fields given) and PATCH (some); omitted fields keep their value. */
export async function update(
  { store, phoneRegion }: CustomerDeps,
  id: number,
  data: z.output<typeof CustomerPatchSchema>,
): Promise<CustomerDto> {
  const errors: FieldErrors = {};
  const values = toValues(data, phoneRegion, errors);
  return store.transaction(async (t) => {
    const customer = await store.customers.lock(id, t);
    if (!customer) throw notFound(NOT_FOUND);
    if (Object.keys(errors).length > 0) throw validationError(errors);
    await checkUnique(store, values, t, id);
    const updated = await store.customers.update(customer, values, t).catch((e) => {
      throw customerDuplicate(e);
    });
    return customerDto(updated);
  });
}

/** Deletes the customer and, with it, its contacts. */
export async function remove({ store }: CustomerDeps, id: number): Promise<void> {
  const removed = await store.transaction((t) => store.customers.remove(id, t));
  if (!removed) throw notFound(NOT_FOUND);
}
