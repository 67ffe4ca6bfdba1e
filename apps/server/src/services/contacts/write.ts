import type { ContactCreateSchema, Contact as ContactDto, ContactPatchSchema, FieldErrors } from '@ccm/contract';
import type { z } from 'zod';
import { type ContactValues, hasCommitHook, type UnitOfWork } from '../../db/index.js';
import { contactDto } from '../dto.js';
import { addFieldError, notFound, validationError } from '../errors.js';
import { changesOf } from '../events.js';
import { checkIfMatch } from '../preconditions.js';
import { writeCreates } from './bulk.js';
import { contactEvent, demotionEvents } from './events.js';
import {
  CONTACT_NOT_FOUND,
  type ContactDeps,
  clashErrors,
  contactDuplicate,
  hasErrors,
  normalizePhones,
} from './rules.js';

type CreateData = z.output<typeof ContactCreateSchema>;
type PatchData = z.output<typeof ContactPatchSchema>;

/** A create's values, its numbers in E.164; a 400 naming the numbers that are not valid. */
function createValues(data: CreateData, phoneRegion: string): ContactValues {
  const errors: FieldErrors = {};
  const phones = normalizePhones(data, phoneRegion, errors);
  if (hasErrors(errors)) throw validationError(errors);
  return {
    email: data.email,
    waNumber: phones.waNumber!,
    tpNumber: phones.tpNumber!,
    isPrimary: data.is_primary,
    isActive: data.is_active,
  };
}

/**
 * A new contact: committed with the creates waiting beside it when `together` is given (group.ts), else alone. A
 * primary (which demotes another contact) and a create with an Idempotency-Key (whose stored answer commits with it)
 * always go alone.
 */
export async function create(deps: ContactDeps, data: CreateData, together?: CreateAlone): Promise<ContactDto> {
  const values = createValues(data, deps.phoneRegion);
  if (together && !values.isPrimary && !hasCommitHook()) return together(data.customer, values);
  return createAlone(deps, data.customer, values);
}

/** A create of checked values (write.ts's own, or group.ts's with the creates beside it). */
export type CreateAlone = (customerId: number, values: ContactValues) => Promise<ContactDto>;

/**
 * A new contact, in one transaction that holds its customer's lock from the checks to the insert (bulk.ts#writeItems):
 * the customer must exist and be active, its other contacts must not hold these values, and a primary demotes the
 * old one.
 */
export function createAlone(deps: ContactDeps, customerId: number, values: ContactValues): Promise<ContactDto> {
  return deps.store.transaction(async (t) => {
    const { contacts, failures } = await writeCreates(deps, [{ customerId, values }], t);
    const errors = failures.get(0);
    if (errors) throw validationError(errors);
    return contacts.get(0)!;
  });
}

/** The values a PUT or PATCH gives, as columns; omitted fields are left out (they keep their value). */
function changedValues(data: PatchData, phones: { waNumber?: string; tpNumber?: string }): Partial<ContactValues> {
  return {
    ...(data.email !== undefined ? { email: data.email } : {}),
    ...phones,
    ...(data.is_primary !== undefined ? { isPrimary: data.is_primary } : {}),
    ...(data.is_active !== undefined ? { isActive: data.is_active } : {}),
  };
}

/**
 * PUT (all contact fields given) and PATCH (some), on the contact read under its customer's lock; with `ifMatch`,
 * only if the contact is still at that version.
 */
export async function update(
  { store, phoneRegion }: ContactDeps,
  id: number,
  data: PatchData,
  ifMatch?: string,
): Promise<ContactDto> {
  const errors: FieldErrors = {};
  const phones = normalizePhones(data, phoneRegion, errors);
  return store.transaction(async (t) => {
    const contact = await lockedContact(store, id, t, ifMatch);
    if (data.customer !== undefined && data.customer !== contact.customerId) {
      addFieldError(errors, 'customer', 'The customer of a contact cannot be changed.');
    }
    if (hasErrors(errors)) throw validationError(errors);
    const values = changedValues(data, phones);
    const taken = await store.contacts.clashes(
      [contact.customerId],
      {
        emails: values.email ? [values.email] : [],
        waNumbers: values.waNumber ? [values.waNumber] : [],
        tpNumbers: values.tpNumber ? [values.tpNumber] : [],
      },
      t,
      contact.id,
    );
    const clash = clashErrors(values, taken);
    if (hasErrors(clash)) throw validationError(clash);
    const demoted =
      values.isPrimary && !contact.isPrimary ? await store.contacts.demotePrimaries([contact.customerId], t, id) : [];
    const updated = await store.contacts.update(contact, values, t).catch((e) => {
      throw contactDuplicate(e);
    });
    const [before, after] = [contactDto(contact), contactDto(updated)];
    const changes = changesOf(before, after);
    if (Object.keys(changes).length > 0) {
      store.events.append(t, [...demotionEvents(demoted), contactEvent('contact.updated', after, changes)]);
    }
    return after;
  });
}

/** The contact, its customer's row locked; 404 if there is none, 412 if `ifMatch` names another version. */
async function lockedContact(store: ContactDeps['store'], id: number, t: UnitOfWork, ifMatch: string | undefined) {
  const contact = await store.contacts.lockForWrite(id, t);
  if (!contact) throw notFound(CONTACT_NOT_FOUND);
  checkIfMatch(ifMatch, contact.version);
  return contact;
}

export async function remove({ store }: ContactDeps, id: number, ifMatch?: string): Promise<void> {
  await store.transaction(async (t) => {
    const contact = await lockedContact(store, id, t, ifMatch);
    if (!(await store.contacts.remove(id, t))) throw notFound(CONTACT_NOT_FOUND);
    store.events.append(t, [contactEvent('contact.deleted', contactDto(contact))]);
  });
}

/** Makes the contact primary and demotes the previous primary, in one transaction. */
export async function setPrimary({ store }: ContactDeps, id: number, ifMatch?: string): Promise<ContactDto> {
  return store.transaction(async (t) => {
    const contact = await lockedContact(store, id, t, ifMatch);
    if (contact.isPrimary) return contactDto(contact);
    const demoted = await store.contacts.demotePrimaries([contact.customerId], t, id);
    const updated = await store.contacts.update(contact, { isPrimary: true }, t).catch((e) => {
      throw contactDuplicate(e);
    });
    const after = contactDto(updated);
    const promoted = contactEvent('contact.primary_changed', after, { is_primary: { before: false, after: true } });
    store.events.append(t, [...demotionEvents(demoted), promoted]);
    return after;
  });
}

export async function toggleStatus({ store }: ContactDeps, id: number, ifMatch?: string): Promise<ContactDto> {
  return store.transaction(async (t) => {
    const contact = await lockedContact(store, id, t, ifMatch);
    const after = contactDto(await store.contacts.update(contact, { isActive: !contact.isActive }, t));
    const changes = { is_active: { before: contact.isActive, after: after.is_active } };
    store.events.append(t, [
      contactEvent(after.is_active ? 'contact.activated' : 'contact.deactivated', after, changes),
    ]);
    return after;
  });
}
