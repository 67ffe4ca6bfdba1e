import { lockCustomerRows } from '../customers.js';
import { asNumber, fitsId } from '../reads.js';
import type { UnitOfWork } from '../transaction.js';
import {
  BY_CUSTOMER_ORDER,
  boundIds,
  type ContactRecord,
  type ContactRow,
  type ContactsDb,
  contactRecord,
  placeholders,
  SELECT_CONTACTS,
} from './records.js';

export async function byId({ read }: ContactsDb, id: number): Promise<ContactRecord | undefined> {
  if (!fitsId(id)) return undefined;
  const [row] = await read.select(`${SELECT_CONTACTS} WHERE c.id = ?`, [id]);
  return row && contactRecord(row);
}

/** A customer's contacts: the primary first, then the newest. */
export async function ofCustomer({ read }: ContactsDb, customerId: number): Promise<ContactRecord[]> {
  if (!fitsId(customerId)) return [];
  const rows = await read.select(`${SELECT_CONTACTS} WHERE c.customer_id = ? ${BY_CUSTOMER_ORDER}`, [customerId]);
  return rows.map(contactRecord);
}

/** A customer's contacts, read in a unit of work (its row locked by the caller): what a cascade delete removes. */
export async function ofCustomerIn(
  { read }: ContactsDb,
  customerId: number,
  uow: UnitOfWork,
): Promise<ContactRecord[]> {
  if (!fitsId(customerId)) return [];
  const rows = await read.selectIn(uow, `${SELECT_CONTACTS} WHERE c.customer_id = ? ${BY_CUSTOMER_ORDER}`, [
    customerId,
  ]);
  return rows.map(contactRecord);
}

export async function ofCustomers({ read }: ContactsDb, customerIds: number[]): Promise<ContactRecord[]> {
  if (customerIds.length === 0) return [];
  const rows = await read.select(
    `${SELECT_CONTACTS} WHERE c.customer_id IN (${placeholders(customerIds)}) ${BY_CUSTOMER_ORDER}`,
    customerIds,
  );
  return rows.map(contactRecord);
}

/** Contacts of these customers holding any of these e-mails or numbers, in the same column. */
export async function clashes(
  { read }: ContactsDb,
  customerIds: number[],
  values: { emails: string[]; waNumbers: string[]; tpNumbers: string[] },
  uow: UnitOfWork,
  exceptId?: number,
): Promise<Pick<ContactRow, 'id' | 'customerId' | 'email' | 'waNumber' | 'tpNumber'>[]> {
  const customers = boundIds(customerIds);
  const params: unknown[] = [...customers];
  const any: string[] = [];
  for (const [column, items] of [
    ['email', values.emails],
    ['wa_number', values.waNumbers],
    ['tp_number', values.tpNumbers],
  ] as const) {
    const distinct = [...new Set(items)];
    if (distinct.length === 0) continue;
    any.push(`${column} IN (${placeholders(distinct)})`);
    params.push(...distinct);
  }
  if (customers.length === 0 || any.length === 0) return [];
  let except = '';
  if (exceptId !== undefined) {
    except = ' AND id <> ?';
    params.splice(customers.length, 0, exceptId);
  }
  const rows = await read.selectIn(
    uow,
    `SELECT id, customer_id, email, wa_number, tp_number FROM contacts
     WHERE customer_id IN (${placeholders(customers)})${except} AND (${any.join(' OR ')})`,
    params,
  );
  return rows.map((r) => ({
    id: asNumber(r.id),
    customerId: asNumber(r.customer_id),
    email: r.email as string,
    waNumber: r.wa_number as string,
    tpNumber: r.tp_number as string,
  }));
}

/**
 * The contact, read after its customer's row is locked: every write to a customer's contacts takes that lock first,
 * so checks and the one-primary demotion cannot interleave. SQLite needs no row lock: its write transactions
 * already run one at a time.
 */
export async function lockForWrite(db: ContactsDb, id: number, uow: UnitOfWork): Promise<ContactRecord | undefined> {
  if (!fitsId(id)) return undefined;
  if (db.rowLocks) {
    // A contact never changes customer, so its customer can be locked before the contact is read.
    const [owner] = await db.read.selectIn(uow, 'SELECT customer_id FROM contacts WHERE id = ?', [id]);
    if (!owner) return undefined;
    await lockCustomerRows(db, [asNumber(owner.customer_id)], uow);
  }
  const [row] = await db.read.selectIn(uow, `${SELECT_CONTACTS} WHERE c.id = ?`, [id]);
  return row && contactRecord(row);
}
