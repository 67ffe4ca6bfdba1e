import {
  type BulkCreateResult,
  type BulkItemError,
  ContactCreateSchema,
  type Contact as ContactDto,
  type FieldErrors,
} from '@ccm/contract';
import type { ContactCustomer, ContactValues, CustomerLock, UnitOfWork } from '../../db/index.js';
import { contactDto } from '../dto.js';
import { addFieldError, fieldErrorsFromZod, validationError } from '../errors.js';
import { contactEvent, demotionEvents } from './events.js';
import { type ContactDeps, contactDuplicate, customerError, DUPLICATE, hasErrors, normalizePhones } from './rules.js';

/** A contact to create, checked on its own; `index` names it among those written together. */
export interface Item {
  index: number;
  customerId: number;
  values: ContactValues;
}

/** The items that pass their own checks (shape, numbers); the others' field errors into `failures`. */
function parseItems(items: unknown[], region: string, failures: Map<number, FieldErrors>): Item[] {
  const parsed: Item[] = [];
  const phonesSeen = new Map<string, string | undefined>();
  items.forEach((item, index) => {
    const result = ContactCreateSchema.safeParse(item);
    if (!result.success) {
      failures.set(index, fieldErrorsFromZod(result.error));
      return;
    }
    const errors: FieldErrors = {};
    const phones = normalizePhones(result.data, region, errors, phonesSeen);
    if (hasErrors(errors)) {
      failures.set(index, errors);
      return;
    }
    const { email, is_primary: isPrimary, is_active: isActive } = result.data;
    parsed.push({
      index,
      customerId: result.data.customer,
      values: { email, waNumber: phones.waNumber!, tpNumber: phones.tpNumber!, isPrimary, isActive },
    });
  });
  return parsed;
}

const FIELDS = [
  ['email', 'email'],
  ['wa_number', 'waNumber'],
  ['tp_number', 'tpNumber'],
] as const;
const key = (customerId: number, field: string, value: string) => `${customerId}\u0000${field}\u0000${value}`;

/**
 * The items that pass the checks against the database and against the items before them, as if created one after
 * another: their customer exists and is active, no value is taken, and a later primary of a customer demotes the
 * earlier one. The others' field errors go into `failures`.
 */
function acceptItems(
  parsed: Item[],
  customers: Map<number, ContactCustomer>,
  existing: { customerId: number; email: string; waNumber: string; tpNumber: string }[],
  failures: Map<number, FieldErrors>,
) {
  const taken = new Set<string>();
  for (const c of existing) for (const [field, prop] of FIELDS) taken.add(key(c.customerId, field, c[prop]));
  const primaryOf = new Map<number, Item>();
  const accepted: Item[] = [];
  for (const p of parsed) {
    const errors: FieldErrors = {};
    const bad = customerError(customers.get(p.customerId), p.customerId);
    if (bad) addFieldError(errors, 'customer', bad);
    else {
      for (const [field, prop] of FIELDS) {
        if (taken.has(key(p.customerId, field, p.values[prop]))) addFieldError(errors, field, DUPLICATE[field]!);
      }
    }
    if (hasErrors(errors)) {
      failures.set(p.index, errors);
      continue;
    }
    for (const [field, prop] of FIELDS) taken.add(key(p.customerId, field, p.values[prop]));
    if (p.values.isPrimary) {
      const earlier = primaryOf.get(p.customerId);
      if (earlier) earlier.values = { ...earlier.values, isPrimary: false };
      primaryOf.set(p.customerId, p);
    }
    accepted.push(p);
  }
  return { accepted, primaries: [...primaryOf.keys()] };
}

type Written = NonNullable<Awaited<ReturnType<typeof writeItems>>>;

/** A single create of checked values; `inCall` runs its event's making in its own request's context. */
export interface CheckedCreate {
  customerId: number;
  values: ContactValues;
  inCall?: <T>(f: () => T) => T;
}

const here = <T>(f: () => T) => f();

/**
 * Single creates written in one unit of work as a bulk create writes its items (writeItems), each with its own event:
 * by each one's index, its contact or its field errors. `lock`: how their customers are held (customers.ts).
 */
export async function writeCreates(
  deps: ContactDeps,
  creates: CheckedCreate[],
  t: UnitOfWork,
  lock: CustomerLock = 'exclusive',
) {
  const failures = new Map<number, FieldErrors>();
  const items = creates.map((c, index) => ({ index, customerId: c.customerId, values: c.values }));
  const written = await writeItems(deps, items, failures, t, lock);
  const contacts = new Map<number, ContactDto>();
  items
    .filter((item) => !failures.has(item.index))
    .forEach((item, i) => {
      const row = written!.rows[i]!;
      contacts.set(item.index, contactDto(row, written!.customers.get(row.customerId)));
    });
  const created = [...contacts].map(([index, contact]) =>
    (creates[index]!.inCall ?? here)(() => contactEvent('contact.created', contact)),
  );
  deps.store.events.append(t, [...demotionEvents(written?.demoted ?? []), ...created]);
  return { contacts, failures };
}

/**
 * Checks the parsed items under their customers' locks and writes those that pass, with one multi-row insert:
 * `rows` are the accepted items' contacts, in the items' order. The others' field errors go into `failures`.
 */
export async function writeItems(
  { store }: ContactDeps,
  parsed: Item[],
  failures: Map<number, FieldErrors>,
  t: UnitOfWork,
  lock: CustomerLock = 'exclusive',
) {
  const customerIds = [...new Set(parsed.map((p) => p.customerId))];
  // Sent together, run in order by the connection (as in a single create).
  const [locked, existing] = await Promise.all([
    store.contacts.lockCustomers(customerIds, t, lock),
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
  const { accepted, primaries } = acceptItems(parsed, customers, existing, failures);
  if (accepted.length === 0) return undefined;
  const demoted = primaries.length > 0 ? await store.contacts.demotePrimaries(primaries, t) : [];
  const rows = await store.contacts
    .insertMany(
      accepted.map((p) => ({ customerId: p.customerId, ...p.values })),
      t,
    )
    .catch((e) => {
      throw contactDuplicate(e);
    });
  return { rows, customers, demoted };
}

/**
 * Each item is checked on its own: its shape, its numbers, its customer, and its values against the database and
 * against the items before it. What passes is written with one multi-row insert, in one transaction that holds the
 * customers' locks from the checks to the insert. Nothing written is a 400 naming each item's fields.
 */
export async function bulkCreate(deps: ContactDeps, items: unknown[]): Promise<BulkCreateResult> {
  const failures = new Map<number, FieldErrors>();
  const parsed = parseItems(items, deps.phoneRegion, failures);
  const answer = (written: Written | undefined): BulkCreateResult => {
    const created = written ? written.rows.map((row) => contactDto(row, written.customers.get(row.customerId))) : [];
    const errors: BulkItemError[] = [...failures.entries()]
      .sort(([a], [b]) => a - b)
      .map(([index, fieldErrors]) => ({ index, errors: fieldErrors }));
    if (created.length === 0) throw noneCreated(errors);
    return { created_contacts: created, errors };
  };
  if (parsed.length === 0) return answer(undefined);
  // The answer is the transaction's own value: an Idempotency-Key's stored answer commits with the rows.
  return deps.store.transaction(async (t) => {
    const written = await writeItems(deps, parsed, failures, t);
    const result = answer(written);
    const created = result.created_contacts.map((c) => contactEvent('contact.created', c));
    deps.store.events.append(t, [...demotionEvents(written?.demoted ?? []), ...created]);
    return result;
  });
}

function noneCreated(errors: BulkItemError[]) {
  const fields: FieldErrors = {};
  for (const e of errors) {
    for (const [field, messages] of Object.entries(e.errors)) fields[`contacts.${e.index}.${field}`] = messages;
  }
  return validationError(fields, 'No contacts were created.');
}
