import { type FieldErrors, INACTIVE_CUSTOMER } from '@ccm/contract';
import type { ContactValues, Store } from '../../db/index.js';
import { addFieldError, duplicateError } from '../errors.js';
import { INVALID_PHONE, toE164 } from '../phone.js';

/** What the contact operations work with: the store, and the region of numbers typed without a country code. */
export interface ContactDeps {
  store: Store;
  phoneRegion: string;
}

export const CONTACT_NOT_FOUND = 'Contact not found.';
export const CUSTOMER_NOT_FOUND = 'Customer not found.';

/** The message for a value another contact of the same customer already holds, by API field. */
export const DUPLICATE: Record<string, string> = {
  email: 'This customer already has a contact with this email.',
  wa_number: 'This customer already has a contact with this WhatsApp number.',
  tp_number: 'This customer already has a contact with this telephone number.',
  is_primary: 'This customer already has a primary contact.',
};

/** A violated unique index of contacts as the field it answers (the one-primary index as `is_primary`). */
export const contactDuplicate = (err: unknown) =>
  duplicateError(err, DUPLICATE, (column) =>
    column === 'customer_id' || column === 'primary_customer_id' ? 'is_primary' : column,
  );

export const hasErrors = (e: FieldErrors) => Object.keys(e).length > 0;

/**
 * Phone numbers to E.164; the field errors of those that are not valid numbers. `seen` keeps the answers of one
 * request (a bulk import repeats numbers): parsing is the costly part of an item's checks.
 */
export function normalizePhones(
  data: { wa_number?: string; tp_number?: string },
  region: string,
  errors: FieldErrors,
  seen?: Map<string, string | undefined>,
) {
  const out: { waNumber?: string; tpNumber?: string } = {};
  for (const [field, key] of [
    ['wa_number', 'waNumber'],
    ['tp_number', 'tpNumber'],
  ] as const) {
    const raw = data[field];
    if (raw === undefined) continue;
    let e164 = seen?.get(raw);
    if (e164 === undefined && !seen?.has(raw)) {
      e164 = toE164(raw, region);
      seen?.set(raw, e164);
    }
    if (e164) out[key] = e164;
    else addFieldError(errors, field, INVALID_PHONE);
  }
  return out;
}

/** Why contacts cannot be added to this customer, if they cannot. */
export function customerError(customer: { isActive: boolean } | undefined | null, id: number): string | undefined {
  if (!customer) return `Customer ${id} does not exist.`;
  if (!customer.isActive) return INACTIVE_CUSTOMER;
  return undefined;
}

/** Field errors for values that other contacts of the customer already hold. */
export function clashErrors(
  values: Partial<ContactValues>,
  others: { email: string; waNumber: string; tpNumber: string }[],
): FieldErrors {
  const errors: FieldErrors = {};
  for (const o of others) {
    if (values.email !== undefined && o.email === values.email) addFieldError(errors, 'email', DUPLICATE.email!);
    if (values.waNumber !== undefined && o.waNumber === values.waNumber)
      addFieldError(errors, 'wa_number', DUPLICATE.wa_number!);
    if (values.tpNumber !== undefined && o.tpNumber === values.tpNumber)
      addFieldError(errors, 'tp_number', DUPLICATE.tp_number!);
  }
  for (const k of Object.keys(errors)) errors[k] = [...new Set(errors[k])];
  return errors;
}
