import type { CustomerCreateSchema, Customer as CustomerDto, CustomerPatchSchema, FieldErrors } from '@ccm/contract';
import type { z } from 'zod';
import type { CustomerValues } from '../../db/index.js';
import { customerDto } from '../dto.js';
import { notFound, validationError } from '../errors.js';
import { checkIfMatch } from '../preconditions.js';
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
    return customerDto(updated);
  });
}

/** Deletes the customer and, with it, its contacts; with `ifMatch`, only if it is still at that version. */
export async function remove({ store }: CustomerDeps, id: number, ifMatch?: string): Promise<void> {
  await store.transaction(async (t) => {
    if (ifMatch !== undefined) {
      const customer = await store.customers.lock(id, t);
      if (!customer) throw notFound(NOT_FOUND);
      checkIfMatch(ifMatch, customer.version);
    }
    if (!(await store.customers.remove(id, t))) throw notFound(NOT_FOUND);
  });
}
