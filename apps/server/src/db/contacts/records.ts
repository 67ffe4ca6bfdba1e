import type { Sequelize } from 'sequelize';
import type { Dialect } from '../connection.js';
import { asBoolean, asDate, asNumber, fitsId, type Reader, type Row } from '../reads.js';

export interface ContactFilter {
  customerId?: number;
  isActive?: boolean;
  isPrimary?: boolean;
  /** Case-insensitive substrings; a row matches if any term is found in any searched column. */
  searchTerms?: string[];
  /** An E.164 prefix: a row matches if its WhatsApp or telephone number starts with it (instead of the terms). */
  numberPrefix?: string;
}

export type ContactOrder = 'created_at' | 'email' | 'id';

export interface ContactValues {
  email: string;
  waNumber: string;
  tpNumber: string;
  isPrimary: boolean;
  isActive: boolean;
}

/** A contact as the reads return it, with the customer columns its answers show. */
export interface ContactRecord extends ContactValues {
  id: number;
  customerId: number;
  createdAt: Date;
  updatedAt: Date;
  version: number;
  customer: { id: number; firstName: string; lastName: string; username: string; customerId: string | null };
}

// The hot reads, as SQL sent through the reader (reads.ts): one join, the columns every contact answer shows.
export const CONTACT_COLUMNS = `c.id, c.customer_id, c.email, c.wa_number, c.tp_number, c.is_primary, c.is_active,
  c.created_at, c.updated_at, c.version, u.first_name, u.last_name, u.username, u.customer_id AS customer_code`;
export const FROM_CONTACTS = 'FROM contacts c JOIN customers u ON u.id = c.customer_id';
export const SELECT_CONTACTS = `SELECT ${CONTACT_COLUMNS} ${FROM_CONTACTS}`;
export const BY_CUSTOMER_ORDER = 'ORDER BY c.is_primary DESC, c.created_at DESC, c.id DESC';

/** The customer columns of a row read with SELECT_CONTACTS's names (the code as `customer_code`). */
export function customerOf(r: Row, id: number): ContactRecord['customer'] {
  return {
    id,
    firstName: r.first_name as string,
    lastName: r.last_name as string,
    username: r.username as string,
    customerId: (r.customer_code as string | null) ?? null,
  };
}

export function contactRecord(r: Row): ContactRecord {
  const customerId = asNumber(r.customer_id);
  return {
    id: asNumber(r.id),
    customerId,
    email: r.email as string,
    waNumber: r.wa_number as string,
    tpNumber: r.tp_number as string,
    isPrimary: asBoolean(r.is_primary),
    isActive: asBoolean(r.is_active),
    createdAt: asDate(r.created_at),
    updatedAt: asDate(r.updated_at),
    version: asNumber(r.version),
    customer: customerOf(r, customerId),
  };
}

/** A customer as the contact writes read it: what their checks and answers need. */
export type ContactCustomer = ContactRecord['customer'] & { isActive: boolean };

/** A contact as the writes return it: its columns, without its customer. */
export type ContactRow = Omit<ContactRecord, 'customer'>;

export const placeholders = (items: unknown[]) => items.map(() => '?').join(', ');

/** Ids as a statement may bind them: distinct integers, and only those an INTEGER column can hold. */
export const boundIds = (ids: number[]) => [...new Set(ids.map(Math.trunc))].filter(fitsId);

/** The column of each contact value. */
export const VALUE_COLUMNS: Record<keyof ContactValues, string> = {
  email: 'email',
  waNumber: 'wa_number',
  tpNumber: 'tp_number',
  isPrimary: 'is_primary',
  isActive: 'is_active',
};

/** Rows per INSERT: a statement of some 150 KB, well within every dialect's limits (MariaDB's packet: 16 MB). */
export const ROWS_PER_INSERT = 1000;

/** Where a keyset page starts: after the row with this sort value and id, reading in `order`'s direction or back. */
export interface Keyset {
  after?: { value: string | number; id: number };
  backward: boolean;
}

/**
 * The rows past (value, id) in the reading direction, written so that every database reads it as a range on
 * the (column, id) index: `column <= v AND (column < v OR id < i)` rather than a row-value comparison, which
 * not every optimizer turns into an index range.
 */
export function keysetCondition(column: string, descending: boolean, after: { value: string | number; id: number }) {
  const [le, lt] = descending ? ['<=', '<'] : ['>=', '>'];
  if (column === 'id') return { sql: `id ${lt} ?`, params: [after.id] };
  const value = column === 'created_at' ? new Date(after.value) : after.value;
  return { sql: `${column} ${le} ? AND (${column} ${lt} ? OR id ${lt} ?)`, params: [value, value, after.id] };
}

/** What the contacts module's functions work with. */
export interface ContactsDb {
  sequelize: Sequelize;
  read: Reader;
  dialect: Dialect;
  /** PostgreSQL and MariaDB lock rows; SQLite's write transactions run one at a time instead. */
  rowLocks: boolean;
}
