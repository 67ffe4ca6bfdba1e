import { QueryTypes, type Transaction } from 'sequelize';
import type { Sequelize } from 'sequelize-typescript';
import type { CountersRepo } from './counters.js';
import { Contact } from './models/index.js';
import { asBoolean, asDate, asNumber, fitsId, limitSql, type Reader, type Row } from './reads.js';
import { contactSearch, type SqlCondition } from './search.js';

export interface ContactFilter {
  customerId?: number;
  isActive?: boolean;
  isPrimary?: boolean;
  /** Case-insensitive substrings; a row matches if any term is found in any searched column. */
  searchTerms?: string[];
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
  customer: { id: number; firstName: string; lastName: string; username: string; customerId: string | null };
}

// The hot reads, as SQL sent through the reader (reads.ts): one join, the columns every contact answer shows.
const CONTACT_COLUMNS = `c.id, c.customer_id, c.email, c.wa_number, c.tp_number, c.is_primary, c.is_active,
  c.created_at, c.updated_at, u.first_name, u.last_name, u.username, u.customer_id AS customer_code`;
const FROM_CONTACTS = 'FROM contacts c JOIN customers u ON u.id = c.customer_id';
const SELECT_CONTACTS = `SELECT ${CONTACT_COLUMNS} ${FROM_CONTACTS}`;
const BY_CUSTOMER_ORDER = 'ORDER BY c.is_primary DESC, c.created_at DESC, c.id DESC';

/** The customer columns of a row read with SELECT_CONTACTS's names (the code as `customer_code`). */
function customerOf(r: Row, id: number): ContactRecord['customer'] {
  return {
    id,
    firstName: r.first_name as string,
    lastName: r.last_name as string,
    username: r.username as string,
    customerId: (r.customer_code as string | null) ?? null,
  };
}

function contactRecord(r: Row): ContactRecord {
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
    customer: customerOf(r, customerId),
  };
}

/** A customer as the contact writes read it: what their checks and answers need. */
export type ContactCustomer = ContactRecord['customer'] & { isActive: boolean };

/** A contact as the writes return it: its columns, without its customer. */
export type ContactRow = Omit<ContactRecord, 'customer'>;

const placeholders = (items: unknown[]) => items.map(() => '?').join(', ');

/** Ids as a statement may bind them: distinct integers, and only those an INTEGER column can hold. */
const boundIds = (ids: number[]) => [...new Set(ids.map(Math.trunc))].filter(fitsId);

/** The column of each contact value. */
const VALUE_COLUMNS: Record<keyof ContactValues, string> = {
  email: 'email',
  waNumber: 'wa_number',
  tpNumber: 'tp_number',
  isPrimary: 'is_primary',
  isActive: 'is_active',
};

/** Rows per INSERT: a statement of some 150 KB, well within every dialect's limits (MariaDB's packet: 16 MB). */
const ROWS_PER_INSERT = 1000;

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
function keysetCondition(column: string, descending: boolean, after: { value: string | number; id: number }) {
  const [le, lt] = descending ? ['<=', '<'] : ['>=', '>'];
  if (column === 'id') return { sql: `id ${lt} ?`, params: [after.id] };
  const value = column === 'created_at' ? new Date(after.value) : after.value;
  return { sql: `${column} ${le} ? AND (${column} ${lt} ? OR id ${lt} ?)`, params: [value, value, after.id] };
}

export function contactsRepo(sequelize: Sequelize, read: Reader, counters: CountersRepo) {
  const dialect = sequelize.getDialect();
  const rowLocks = dialect !== 'sqlite';

  /**
   * Multi-row INSERTs, bypassing the model (no instance, hooks or validation per row: the
   * service hands checked values; the database's constraints still hold), with one timestamp for the batch.
   * The ids: RETURNING on PostgreSQL and MariaDB, matched back to the rows by (customer, e-mail), which is
   * unique; on SQLite the last rowid, as the rows of one INSERT take consecutive ids (AUTOINCREMENT, one
   * writer at a time) — what Sequelize's own bulkCreate relies on there.
   */
  async function insertRows(
    rows: (ContactValues & { customerId: number })[],
    transaction: Transaction,
  ): Promise<ContactRow[]> {
    const now = new Date();
    const at = sequelize.escape(now);
    const out: ContactRow[] = [];
    for (let start = 0; start < rows.length; start += ROWS_PER_INSERT) {
      const chunk = rows.slice(start, start + ROWS_PER_INSERT);
      // Values escaped into the text, as Model.bulkCreate writes them: SQLite binds thousands of parameters
      // slowly (the parameters go by name, each looked up among all of them).
      const tuples = chunk.map((r) => {
        const flags = `${r.isPrimary ? 'TRUE' : 'FALSE'}, ${r.isActive ? 'TRUE' : 'FALSE'}`;
        return `(${sequelize.escape(Math.trunc(r.customerId))}, ${sequelize.escape(r.email)}, ${sequelize.escape(r.waNumber)}, ${sequelize.escape(r.tpNumber)}, ${flags}, ${at}, ${at})`;
      });
      const sql = `INSERT INTO contacts (customer_id, email, wa_number, tp_number, is_primary, is_active, created_at, updated_at) VALUES ${tuples.join(', ')}`;
      let ids: number[];
      if (dialect === 'sqlite') {
        const [lastId, changes] = (await sequelize.query(sql, { transaction, type: QueryTypes.INSERT })) as [
          number,
          number,
        ];
        if (changes !== chunk.length) throw new Error(`insert: ${changes} rows written of ${chunk.length}`);
        ids = chunk.map((_, i) => lastId - chunk.length + 1 + i);
      } else {
        const returned = (await sequelize.query(`${sql} RETURNING id, customer_id, email`, {
          transaction,
          type: QueryTypes.SELECT,
          raw: true,
        })) as { id: number | string; customer_id: number | string; email: string }[];
        const idOf = new Map(returned.map((r) => [`${r.customer_id}\u0000${r.email}`, asNumber(r.id)]));
        ids = chunk.map((r) => idOf.get(`${r.customerId}\u0000${r.email}`)!);
      }
      chunk.forEach((r, i) => {
        out.push({
          id: ids[i]!,
          customerId: r.customerId,
          email: r.email,
          waNumber: r.waNumber,
          tpNumber: r.tpNumber,
          isPrimary: r.isPrimary,
          isActive: r.isActive,
          createdAt: now,
          updatedAt: now,
        });
      });
    }
    return out;
  }

  /** The filters on the contacts table's own columns, as SQL conditions and their parameters. */
  function columnConditions(filter: ContactFilter, ...extra: (SqlCondition | undefined)[]) {
    const conditions: string[] = [];
    const params: unknown[] = [];
    for (const [column, value] of [
      ['customer_id', filter.customerId],
      ['is_active', filter.isActive],
      ['is_primary', filter.isPrimary],
    ] as const) {
      if (value === undefined) continue;
      conditions.push(`${column} = ?`);
      params.push(value);
    }
    for (const condition of extra) {
      if (!condition) continue;
      conditions.push(condition.sql);
      params.push(...condition.params);
    }
    return { sql: conditions.length ? ` WHERE ${conditions.join(' AND ')}` : '', params };
  }

  return {
    /**
     * A page and the total. Without a search, every filter is on the contacts table, and every contact has its
     * customer (a foreign key): the total comes from the counters or a customer's index entries, and the page's
     * ids are read from the order's index before the join, so that a deep page skips index entries rather than
     * joined rows (and a keyset page starts at its place in that index). A search finds its matches in the
     * contacts table once, for the page and the total, in one statement: its customer's columns matched in a
     * subquery (search.ts), each from its own index where the database has one.
     */
    async list(
      filter: ContactFilter,
      order: { by: ContactOrder; desc: boolean },
      limit: number,
      offset: number,
      keyset?: Keyset,
    ) {
      if (filter.customerId !== undefined && !fitsId(filter.customerId)) return { count: 0, rows: [] };
      const column = { created_at: 'created_at', email: 'email', id: 'id' }[order.by];
      // A backward keyset page is read in the opposite order from its boundary, then turned around.
      const backward = keyset?.backward ?? false;
      const dir = order.desc !== backward ? 'DESC' : 'ASC';
      const orderSql = (t: string) => (column === 'id' ? `${t}id ${dir}` : `${t}${column} ${dir}, ${t}id ${dir}`);
      // A search is one predicate on the contacts table for the total and the page (search.ts: per-table
      // conditions the search indexes answer, no join to scan).
      const search = filter.searchTerms?.length ? contactSearch(dialect, filter.searchTerms, 'contacts') : undefined;
      const matching = columnConditions(filter, search);
      const after = keyset?.after ? keysetCondition(column, dir === 'DESC', keyset.after) : undefined;
      const page = (ids: string) =>
        `${FROM_CONTACTS} JOIN (${ids} ORDER BY ${orderSql('')} ${limitSql(limit)} OFFSET ?) page ON page.id = c.id
         ORDER BY ${orderSql('c.')}`;
      let total: number;
      let rows: Row[];
      if (search) {
        // The matches are found once, for the page and for the total: the search is the costly part. PostgreSQL
        // and SQLite keep them (MATERIALIZED); left to itself, PostgreSQL's planner bets on walking the order's
        // index until a page of matches turns up, which scans the whole table when the term is rare.
        const keep = dialect === 'mariadb' ? '' : 'MATERIALIZED ';
        const keysetSql = after ? ` WHERE ${after.sql}` : '';
        rows = await read.select(
          `WITH m AS ${keep}(SELECT id, created_at, email FROM contacts${matching.sql})
           SELECT ${CONTACT_COLUMNS}, (SELECT COUNT(*) FROM m) AS total ${page(`SELECT id FROM m${keysetSql}`)}`,
          [...matching.params, ...(after?.params ?? []), offset],
        );
        // A page past the end has no row to carry the total.
        total =
          rows.length > 0
            ? asNumber(rows[0]!.total)
            : asNumber((await read.select(`SELECT COUNT(*) AS n FROM contacts${matching.sql}`, matching.params))[0]?.n);
      } else {
        // The total: without a customer, the database's counter for the flags (0002-counters), no count over the
        // table; a customer's contacts from its index entries.
        const count =
          filter.customerId === undefined
            ? counters.contactCount({ isActive: filter.isActive, isPrimary: filter.isPrimary })
            : read
                .select(`SELECT COUNT(*) AS n FROM contacts${matching.sql}`, matching.params)
                .then((r) => asNumber(r[0]?.n));
        const window = after ? columnConditions(filter, search, after) : matching;
        [total, rows] = await Promise.all([
          count,
          read.select(`SELECT ${CONTACT_COLUMNS} ${page(`SELECT id FROM contacts${window.sql}`)}`, [
            ...window.params,
            offset,
          ]),
        ]);
      }
      const records = rows.map(contactRecord);
      return { count: total, rows: backward ? records.reverse() : records };
    },

    async byId(id: number): Promise<ContactRecord | undefined> {
      if (!fitsId(id)) return undefined;
      const [row] = await read.select(`${SELECT_CONTACTS} WHERE c.id = ?`, [id]);
      return row && contactRecord(row);
    },

    /** A customer's contacts: the primary first, then the newest. */
    async ofCustomer(customerId: number): Promise<ContactRecord[]> {
      if (!fitsId(customerId)) return [];
      const rows = await read.select(`${SELECT_CONTACTS} WHERE c.customer_id = ? ${BY_CUSTOMER_ORDER}`, [customerId]);
      return rows.map(contactRecord);
    },

    async ofCustomers(customerIds: number[]): Promise<ContactRecord[]> {
      if (customerIds.length === 0) return [];
      const rows = await read.select(
        `${SELECT_CONTACTS} WHERE c.customer_id IN (${customerIds.map(() => '?').join(', ')}) ${BY_CUSTOMER_ORDER}`,
        customerIds,
      );
      return rows.map(contactRecord);
    },

    /**
     * The customers a contact write names, their rows locked for the transaction where the database has row
     * locks (in id order, so that two writers cannot deadlock): the columns the checks and the answers need.
     */
    async lockCustomers(ids: number[], transaction: Transaction): Promise<ContactCustomer[]> {
      const known = boundIds(ids);
      if (known.length === 0) return [];
      const rows = await read.selectIn(
        transaction,
        `SELECT id, is_active, first_name, last_name, username, customer_id AS customer_code FROM customers
         WHERE id IN (${placeholders(known)}) ORDER BY id${rowLocks ? ' FOR UPDATE' : ''}`,
        known,
      );
      return rows.map((r) => ({ ...customerOf(r, asNumber(r.id)), isActive: asBoolean(r.is_active) }));
    },

    /** Contacts of these customers holding any of these e-mails or numbers, in the same column. */
    async clashes(
      customerIds: number[],
      values: { emails: string[]; waNumbers: string[]; tpNumbers: string[] },
      transaction: Transaction,
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
        transaction,
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
    },

    /**
     * The contact, read after its customer's row is locked: every write to a customer's contacts takes that
     * lock first, so checks and the one-primary demotion cannot interleave. SQLite needs no row lock: its
     * write transactions already run one at a time.
     */
    async lockForWrite(id: number, transaction: Transaction): Promise<ContactRecord | undefined> {
      if (!fitsId(id)) return undefined;
      if (rowLocks) {
        // A contact never changes customer, so its customer can be locked before the contact is read.
        const [owner] = await read.selectIn(transaction, 'SELECT customer_id FROM contacts WHERE id = ?', [id]);
        if (!owner) return undefined;
        await read.selectIn(transaction, 'SELECT id FROM customers WHERE id = ? FOR UPDATE', [owner.customer_id]);
      }
      const [row] = await read.selectIn(transaction, `${SELECT_CONTACTS} WHERE c.id = ?`, [id]);
      return row && contactRecord(row);
    },

    /** Clears the primary flag of every contact of these customers (but `exceptId`). */
    async demotePrimaries(customerIds: number[], transaction: Transaction, exceptId?: number) {
      // Plain SQL: Model.update builds and validates an instance first, for one flag and the timestamp.
      const bind: unknown[] = [...customerIds];
      let sql = `UPDATE contacts SET is_primary = FALSE, updated_at = ${sequelize.escape(new Date())}
        WHERE customer_id IN (${customerIds.map((_, i) => `$${i + 1}`).join(', ')}) AND is_primary = TRUE`;
      if (exceptId !== undefined) {
        bind.push(exceptId);
        sql += ` AND id <> $${bind.length}`;
      }
      await sequelize.query(sql, { bind, transaction, type: QueryTypes.UPDATE });
    },

    async insert(customerId: number, values: ContactValues, transaction: Transaction): Promise<ContactRow> {
      const [row] = await insertRows([{ customerId, ...values }], transaction);
      return row!;
    },

    /** One multi-row insert (per 1,000 rows); returns the rows with their ids, in the order given. */
    insertMany: insertRows,

    /**
     * Writes the values that differ from the contact's and returns it as it now is; nothing changed, nothing
     * written (as a model's update: `updated_at` moves only with a change).
     */
    async update(contact: ContactRecord, values: Partial<ContactValues>, transaction: Transaction) {
      const changed = (Object.keys(values) as (keyof ContactValues)[]).filter((k) => values[k] !== contact[k]);
      if (changed.length === 0) return contact;
      const now = new Date();
      await sequelize.query(
        `UPDATE contacts SET ${changed.map((k) => `${VALUE_COLUMNS[k]} = ?`).join(', ')}, updated_at = ? WHERE id = ?`,
        { replacements: [...changed.map((k) => values[k]), now, contact.id], transaction, type: QueryTypes.UPDATE },
      );
      return { ...contact, ...values, updatedAt: now };
    },

    async remove(id: number, transaction: Transaction) {
      if (!fitsId(id)) return false;
      return (await Contact.destroy({ where: { id }, transaction })) > 0;
    },
  };
}

export type ContactsRepo = ReturnType<typeof contactsRepo>;
