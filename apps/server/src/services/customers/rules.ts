import type { CustomerPatchSchema, FieldErrors } from '@ccm/contract';
import type { z } from 'zod';
import type { CustomerValues, Store, UnitOfWork } from '../../db/index.js';
import { addFieldError, duplicateError, validationError } from '../errors.js';
import { INVALID_PHONE, toE164 } from '../phone.js';

export interface CustomerDeps {
  store: Store;
  phoneRegion: string;
}

export const NOT_FOUND = 'Customer not found.';
const DUPLICATE: Record<string, string> = {
  username: 'A customer with this username already exists.',
  email: 'A customer with this email already exists.',
  nic: 'A customer with this NIC already exists.',
  customer_id: 'A customer with this customer id already exists.',
};

/** A violated unique index of customers as the field it answers. */
export const customerDuplicate = (err: unknown) => duplicateError(err, DUPLICATE);

/** The given fields as column values; phone numbers to E.164 (an invalid one into `errors`). */
export function toValues(
  data: z.output<typeof CustomerPatchSchema>,
  region: string,
  errors: FieldErrors,
): Partial<CustomerValues> {
  const values: Partial<CustomerValues> = {};
  if (data.username !== undefined) values.username = data.username;
  if (data.email !== undefined) values.email = data.email;
  if (data.first_name !== undefined) values.firstName = data.first_name;
  if (data.last_name !== undefined) values.lastName = data.last_name;
  if (data.nic !== undefined) values.nic = data.nic;
  if (data.address !== undefined) values.address = data.address || null;
  if (data.is_verified !== undefined) values.isVerified = data.is_verified;
  if (data.is_active !== undefined) values.isActive = data.is_active;
  if (data.phone_number !== undefined) {
    if (!data.phone_number) values.phoneNumber = null;
    else {
      const e164 = toE164(data.phone_number, region);
      if (e164) values.phoneNumber = e164;
      else addFieldError(errors, 'phone_number', INVALID_PHONE);
    }
  }
  return values;
}

/** A 400 on each field whose value another customer (not `exceptId`) holds. */
export async function checkUnique(store: Store, values: Partial<CustomerValues>, t: UnitOfWork, exceptId?: number) {
  const others = await store.customers.clashes(
    { username: values.username, email: values.email, nic: values.nic },
    t,
    exceptId,
  );
  const errors: FieldErrors = {};
  for (const o of others) {
    for (const f of ['username', 'email', 'nic'] as const) {
      if (values[f] !== undefined && o[f] === values[f] && !errors[f]) addFieldError(errors, f, DUPLICATE[f]!);
    }
  }
  if (Object.keys(errors).length > 0) throw validationError(errors);
}
