import {
  type BulkCreateResult,
  type BulkItemError,
  ContactCreateSchema,
  type Contact as ContactDto,
  type ContactListQuery,
  type ContactPatchSchema,
  type ContactStats,
  CURSOR_ERRORS,
  type CustomerContacts,
  type CustomersWithContactsQuery,
  type CustomerWithContacts,
  type FieldErrors,
} from '@ccm/contract';
import type { z } from 'zod';
import type { Contact, ContactOrder, ContactRecord, ContactValues, Customer, Store } from '../db/index.js';
import { fitsId, violatedColumns } from '../db/index.js';
import { contactDto, customerRefDto, customerWithContactsDto } from './dto.js';
import { addFieldError, fieldErrorsFromZod, notFound, validationError } from './errors.js';
import { decodeCursor, encodeCursor, offsetOf, type Paged, type Position, paged } from './pagination.js';
import { INVALID_PHONE, toE164 } from './phone.js';

type CreateData = z.output<typeof ContactCreateSchema>;
type PatchData = z.output<typeof ContactPatchSchema>;

const CONTACT_NOT_FOUND = 'Contact not found.';
const CUSTOMER_NOT_FOUND = 'Customer not found.';

/** The message for a value another contact of the same customer already holds, by API field. */
const DUPLICATE: Record<string, string> = {
  email: 'This customer already has a contact with this email.',
  wa_number: 'This customer already has a contact with this WhatsApp number.',
  tp_number: 'This customer already has a contact with this telephone number.',
  is_primary: 'This customer already has a primary contact.',
};

/** Database columns of a violated unique index, as the API field whose message answers it. */
function duplicateError(err: unknown): Error {
  const columns = violatedColumns(err);
  if (!columns) return err as Error;
  const fields: FieldErrors = {};
  for (const col of columns) {
    const field = col === 'customer_id' || col === 'primary_customer_id' ? 'is_primary' : col;
    addFieldError(fields, field, DUPLICATE[field] ?? 'This value is already taken.');
  }
  return validationError(fields);
}

/** The value a keyset cursor holds for the list's sort column. */
function sortValue(by: ContactOrder, r: ContactRecord): string | number {
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

export function contactsService(store: Store, settings: { phoneRegion: string }) {
  /**
   * Phone numbers to E.164; the field errors of those that are not valid numbers. `seen` keeps the answers
   * of one request (a bulk import repeats numbers): parsing is the costly part of an item's checks.
   */
  function normalizePhones<T extends { wa_number?: string; tp_number?: string }>(
    data: T,
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
        e164 = toE164(raw, settings.phoneRegion);
        seen?.set(raw, e164);
      }
      if (e164) out[key] = e164;
      else addFieldError(errors, field, INVALID_PHONE);
    }
    return out;
  }

  function customerError(customer: Pick<Customer, 'isActive'> | undefined | null, id: number): string | undefined {
    if (!customer) return `Customer ${id} does not exist.`;
    if (!customer.isActive) return 'Contacts cannot be added to an inactive customer.';
    return undefined;
  }

  /** Field errors for values that other contacts of the customer already hold. */
  function clashErrors(
    values: Partial<ContactValues>,
    others: Pick<Contact, 'email' | 'waNumber' | 'tpNumber'>[],
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

  const hasErrors = (e: FieldErrors) => Object.keys(e).length > 0;

  async function mustExist(id: number) {
    const contact = await store.contacts.byId(id);
    if (!contact) throw notFound(CONTACT_NOT_FOUND);
    return contact;
  }

  return {
    async list(query: ContactListQuery): Promise<Paged<ContactDto>> {
      const terms = query.search ? [query.search] : [];
      // A search for a whole phone number also finds it as stored (E.164).
      const asPhone = query.search ? toE164(query.search, settings.phoneRegion) : undefined;
      if (asPhone && asPhone !== query.search) terms.push(asPhone);
      const filter = {
        customerId: query.customer_id,
        isActive: query.is_active,
        isPrimary: query.is_primary,
        searchTerms: terms,
      };
      const by = query.ordering.replace(/^-/, '') as ContactOrder;
      const order = { by, desc: query.ordering.startsWith('-') };
      if (query.cursor === undefined) {
        const { count, rows } = await store.contacts.list(filter, order, query.page_size, offsetOf(query));
        return paged(
          query,
          count,
          rows.map((r) => contactDto(r)),
        );
      }

      // Keyset paging: one row more than the page tells whether there is a further page in that direction.
      if (query.page !== 1) throw validationError({ cursor: [CURSOR_ERRORS.withPage] });
      // An empty cursor is the start of the list.
      let at: Position | undefined;
      if (query.cursor !== '') {
        at = decodeCursor(query.cursor, query.ordering);
        if (!at || !validPosition(by, at)) throw validationError({ cursor: [CURSOR_ERRORS.invalid] });
      }
      const backward = at?.backward ?? false;
      const { count, rows } = await store.contacts.list(filter, order, query.page_size + 1, 0, {
        after: at && { value: at.value, id: at.id },
        backward,
      });
      const more = rows.length > query.page_size;
      // The extra row, if any, is the one furthest in the reading direction: first when reading backwards.
      const page = backward ? rows.slice(-query.page_size) : rows.slice(0, query.page_size);
      const first = page[0];
      const last = page[page.length - 1];
      const position = (r: ContactRecord, back: boolean) =>
        encodeCursor({ ordering: query.ordering, value: sortValue(by, r), id: r.id, backward: back });
      return {
        count,
        page: 1,
        pageSize: query.page_size,
        results: page.map((r) => contactDto(r)),
        cursors: {
          // Forward: a next page if a row was left over; a previous one unless this page started the list.
          // Backward: the mirror image.
          next: last && (backward || more) ? position(last, false) : null,
          previous: first && (backward ? more : at !== undefined) ? position(first, true) : null,
        },
      };
    },

    async get(id: number): Promise<ContactDto> {
      return contactDto(await mustExist(id));
    },

    async create(data: CreateData): Promise<ContactDto> {
      const errors: FieldErrors = {};
      const phones = normalizePhones(data, errors);
      if (hasErrors(errors)) throw validationError(errors);
      const values: ContactValues = {
        email: data.email,
        waNumber: phones.waNumber!,
        tpNumber: phones.tpNumber!,
        isPrimary: data.is_primary,
        isActive: data.is_active,
      };
      return store.transaction(async (t) => {
        // Both statements are sent at once: a connection runs them in order, so the read still follows the
        // lock, but without a trip through the event loop between them (on SQLite, while holding the write lock).
        const [[customer], others] = await Promise.all([
          store.contacts.lockCustomers([data.customer], t),
          store.contacts.clashes(
            [data.customer],
            { emails: [values.email], waNumbers: [values.waNumber], tpNumbers: [values.tpNumber] },
            t,
          ),
        ]);
        const bad = customerError(customer, data.customer);
        if (bad || !customer) throw validationError({ customer: [bad ?? CUSTOMER_NOT_FOUND] });
        const clash = clashErrors(values, others);
        if (hasErrors(clash)) throw validationError(clash);
        if (values.isPrimary) await store.contacts.demotePrimaries([customer.id], t);
        const row = await store.contacts.insert(customer.id, values, t).catch((e) => {
          throw duplicateError(e);
        });
        return contactDto(row, customer);
      });
    },

    /** PUT (all contact fields given) and PATCH (some); omitted fields keep their value. */
    async update(id: number, data: PatchData): Promise<ContactDto> {
      const errors: FieldErrors = {};
      const phones = normalizePhones(data, errors);
      return store.transaction(async (t) => {
        const contact = await store.contacts.lockForWrite(id, t);
        if (!contact) throw notFound(CONTACT_NOT_FOUND);
        if (data.customer !== undefined && data.customer !== contact.customerId) {
          addFieldError(errors, 'customer', 'The customer of a contact cannot be changed.');
        }
        if (hasErrors(errors)) throw validationError(errors);
        const values: Partial<ContactValues> = {
          ...(data.email !== undefined ? { email: data.email } : {}),
          ...phones,
          ...(data.is_primary !== undefined ? { isPrimary: data.is_primary } : {}),
          ...(data.is_active !== undefined ? { isActive: data.is_active } : {}),
        };
        const clash = clashErrors(
          values,
          await store.contacts.clashes(
            [contact.customerId],
            {
              emails: values.email ? [values.email] : [],
              waNumbers: values.waNumber ? [values.waNumber] : [],
              tpNumbers: values.tpNumber ? [values.tpNumber] : [],
            },
            t,
            contact.id,
          ),
        );
        if (hasErrors(clash)) throw validationError(clash);
        if (values.isPrimary && !contact.isPrimary) await store.contacts.demotePrimaries([contact.customerId], t, id);
        const updated = await store.contacts.update(contact, values, t).catch((e) => {
          throw duplicateError(e);
        });
        return contactDto(updated);
      });
    },

    async remove(id: number): Promise<void> {
      if (!(await store.transaction((t) => store.contacts.remove(id, t)))) throw notFound(CONTACT_NOT_FOUND);
    },

    /** Makes the contact primary and demotes the previous primary, in one transaction. */
    async setPrimary(id: number): Promise<ContactDto> {
      return store.transaction(async (t) => {
        const contact = await store.contacts.lockForWrite(id, t);
        if (!contact) throw notFound(CONTACT_NOT_FOUND);
        if (contact.isPrimary) return contactDto(contact);
        await store.contacts.demotePrimaries([contact.customerId], t, id);
        const updated = await store.contacts.update(contact, { isPrimary: true }, t).catch((e) => {
          throw duplicateError(e);
        });
        return contactDto(updated);
      });
    },

    async toggleStatus(id: number): Promise<ContactDto> {
      return store.transaction(async (t) => {
        const contact = await store.contacts.lockForWrite(id, t);
        if (!contact) throw notFound(CONTACT_NOT_FOUND);
        return contactDto(await store.contacts.update(contact, { isActive: !contact.isActive }, t));
      });
    },

    /**
     * Each item is checked on its own: its shape, its numbers, its customer, and its values against the
     * database and against the items before it. What passes is written with one multi-row insert, in one
     * transaction that holds the customers' locks from the checks to the insert.
     */
    async bulkCreate(items: unknown[]): Promise<BulkCreateResult> {
      const failures = new Map<number, FieldErrors>();
      const parsed: { index: number; values: ContactValues; customerId: number }[] = [];
      const phonesSeen = new Map<string, string | undefined>();
      items.forEach((item, index) => {
        const result = ContactCreateSchema.safeParse(item);
        if (!result.success) {
          failures.set(index, fieldErrorsFromZod(result.error));
          return;
        }
        const errors: FieldErrors = {};
        const phones = normalizePhones(result.data, errors, phonesSeen);
        if (hasErrors(errors)) {
          failures.set(index, errors);
          return;
        }
        parsed.push({
          index,
          customerId: result.data.customer,
          values: {
            email: result.data.email,
            waNumber: phones.waNumber!,
            tpNumber: phones.tpNumber!,
            isPrimary: result.data.is_primary,
            isActive: result.data.is_active,
          },
        });
      });

      const written = await (parsed.length === 0
        ? Promise.resolve(undefined)
        : store.transaction(async (t) => {
            const customerIds = [...new Set(parsed.map((p) => p.customerId))];
            // Sent together, run in order by the connection (as in create).
            const [locked, existing] = await Promise.all([
              store.contacts.lockCustomers(customerIds, t),
              store.contacts.clashes(
                customerIds,
                {
                  emails: parsed.map((p) => p.values.email),
                  waNumbers: parsed.map((p) => p.values.waNumber),
                  tpNumbers: parsed.map((p) => p.values.tpNumber),
                },
                t,
              ),
            ]);
            const customers = new Map(locked.map((c) => [c.id, c]));
            const taken = new Set<string>();
            const key = (customerId: number, field: string, value: string) =>
              `${customerId}\u0000${field}\u0000${value}`;
            for (const c of existing) {
              taken.add(key(c.customerId, 'email', c.email));
              taken.add(key(c.customerId, 'wa_number', c.waNumber));
              taken.add(key(c.customerId, 'tp_number', c.tpNumber));
            }
            /** Per customer, the item of this request that is to be its primary. */
            const primaryInBatch = new Map<number, (typeof parsed)[number]>();
            const accepted: typeof parsed = [];
            for (const p of parsed) {
              const errors: FieldErrors = {};
              const bad = customerError(customers.get(p.customerId), p.customerId);
              if (bad) addFieldError(errors, 'customer', bad);
              else {
                const fields = [
                  ['email', p.values.email],
                  ['wa_number', p.values.waNumber],
                  ['tp_number', p.values.tpNumber],
                ] as const;
                for (const [field, value] of fields) {
                  if (taken.has(key(p.customerId, field, value))) addFieldError(errors, field, DUPLICATE[field]!);
                }
              }
              if (hasErrors(errors)) {
                failures.set(p.index, errors);
                continue;
              }
              taken.add(key(p.customerId, 'email', p.values.email));
              taken.add(key(p.customerId, 'wa_number', p.values.waNumber));
              taken.add(key(p.customerId, 'tp_number', p.values.tpNumber));
              if (p.values.isPrimary) {
                // As one create after another would: a later primary of the same customer demotes the earlier.
                const earlier = primaryInBatch.get(p.customerId);
                if (earlier) earlier.values = { ...earlier.values, isPrimary: false };
                primaryInBatch.set(p.customerId, p);
              }
              accepted.push(p);
            }
            if (accepted.length === 0) return undefined;
            if (primaryInBatch.size > 0) await store.contacts.demotePrimaries([...primaryInBatch.keys()], t);
            const rows = await store.contacts
              .insertMany(
                accepted.map((p) => ({ customerId: p.customerId, ...p.values })),
                t,
              )
              .catch((e) => {
                throw duplicateError(e);
              });
            return { rows, customers };
          }));
      // The answers are built after the commit: on SQLite the write lock is held only as long as the writes.
      const created = written ? written.rows.map((row) => contactDto(row, written.customers.get(row.customerId))) : [];

      const errors: BulkItemError[] = [...failures.entries()]
        .sort(([a], [b]) => a - b)
        .map(([index, fieldErrors]) => ({ index, errors: fieldErrors }));
      if (created.length === 0) {
        // Nothing written: a plain validation failure, each field named by its item (`contacts.3.email`).
        const fields: FieldErrors = {};
        for (const e of errors) {
          for (const [field, messages] of Object.entries(e.errors)) fields[`contacts.${e.index}.${field}`] = messages;
        }
        throw validationError(fields, 'No contacts were created.');
      }
      return { created_contacts: created, errors };
    },

    async stats(): Promise<ContactStats> {
      const s = await store.counters.stats();
      return {
        total_contacts: s.total,
        active_contacts: s.active,
        inactive_contacts: s.total - s.active,
        primary_contacts: s.primaries,
        customers_with_contacts: s.withContacts,
        customers_without_contacts: s.customers - s.withContacts,
      };
    },

    /** The customer's contacts, primary first, then newest. */
    async ofCustomer(customerId: number): Promise<CustomerContacts> {
      const customer = await store.customers.byId(customerId);
      if (!customer) throw notFound(CUSTOMER_NOT_FOUND);
      const contacts = await store.contacts.ofCustomer(customerId);
      return {
        customer: customerRefDto(customer),
        contacts: contacts.map((c) => contactDto(c, customer)),
      };
    },

    /** A page of customers, each with its contacts: three statements whatever the page size. */
    async customersWithContacts(query: CustomersWithContactsQuery): Promise<Paged<CustomerWithContacts>> {
      const { count, rows } = await store.customers.page(query.page_size, offsetOf(query));
      const contacts = await store.contacts.ofCustomers(rows.map((c) => c.id));
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
    },
  };
}

export type ContactsService = ReturnType<typeof contactsService>;
