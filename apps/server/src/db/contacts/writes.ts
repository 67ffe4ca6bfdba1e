import { QueryTypes } from 'sequelize';
import { connectionOf, loggingOf, transactionIdOf } from '../internals.js';
import { Contact } from '../models/index.js';
import { asNumber, fitsId, sqliteValue } from '../reads.js';
import { runStatement } from '../sqlite.js';
import { asTransaction, type UnitOfWork } from '../transaction.js';
import {
  boundIds,
  type ContactRecord,
  type ContactRow,
  type ContactsDb,
  type ContactValues,
  contactRecord,
  placeholders,
  ROWS_PER_INSERT,
  SELECT_CONTACTS,
  VALUE_COLUMNS,
} from './records.js';

const INSERT =
  'INSERT INTO contacts (customer_id, email, wa_number, tp_number, is_primary, is_active, created_at, updated_at) VALUES';

/**
 * Multi-row INSERTs, bypassing the model (no instance, hooks or validation per row: the service hands checked
 * values; the database's constraints still hold), with one timestamp for the batch. SQLite: the values bound by
 * position, straight to the driver (its connection keeps the statement for the next batch of that size), and the
 * ids from the last rowid, as the rows of one INSERT take consecutive ids (AUTOINCREMENT, one writer at a time),
 * what Sequelize's own bulkCreate relies on there. PostgreSQL and MariaDB: the values written in (as
 * Model.bulkCreate does), and the ids by RETURNING, matched back to the rows by (customer, e-mail), which is unique.
 */
export async function insertRows(
  db: ContactsDb,
  rows: (ContactValues & { customerId: number })[],
  uow: UnitOfWork,
): Promise<ContactRow[]> {
  const now = new Date();
  const out: ContactRow[] = [];
  for (let start = 0; start < rows.length; start += ROWS_PER_INSERT) {
    const chunk = rows.slice(start, start + ROWS_PER_INSERT);
    const ids =
      db.dialect === 'sqlite' ? await sqliteInsert(db, chunk, now, uow) : await serverInsert(db, chunk, now, uow);
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
        version: 1,
      });
    });
  }
  return out;
}

type NewRow = ContactValues & { customerId: number };

async function sqliteInsert({ sequelize }: ContactsDb, chunk: NewRow[], now: Date, uow: UnitOfWork) {
  const t = asTransaction(uow);
  const sql = `${INSERT} ${chunk.map(() => '(?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`;
  const at = sqliteValue(now);
  const params = chunk.flatMap((r) => [
    Math.trunc(r.customerId),
    r.email,
    r.waNumber,
    r.tpNumber,
    r.isPrimary,
    r.isActive,
    at,
    at,
  ]);
  loggingOf(sequelize)?.(`Executing (${transactionIdOf(t)}): ${sql}`);
  const { lastId, changes } = await runStatement(connectionOf(t), sql, params);
  if (changes !== chunk.length) throw new Error(`insert: ${changes} rows written of ${chunk.length}`);
  return chunk.map((_, i) => lastId - chunk.length + 1 + i);
}

async function serverInsert({ sequelize }: ContactsDb, chunk: NewRow[], now: Date, uow: UnitOfWork) {
  const at = sequelize.escape(now);
  const tuples = chunk.map((r) => {
    const flags = `${r.isPrimary ? 'TRUE' : 'FALSE'}, ${r.isActive ? 'TRUE' : 'FALSE'}`;
    return `(${sequelize.escape(Math.trunc(r.customerId))}, ${sequelize.escape(r.email)}, ${sequelize.escape(r.waNumber)}, ${sequelize.escape(r.tpNumber)}, ${flags}, ${at}, ${at})`;
  });
  const returned = (await sequelize.query(`${INSERT} ${tuples.join(', ')} RETURNING id, customer_id, email`, {
    transaction: asTransaction(uow),
    type: QueryTypes.SELECT,
    raw: true,
  })) as { id: number | string; customer_id: number | string; email: string }[];
  const idOf = new Map(returned.map((r) => [`${r.customer_id}\u0000${r.email}`, asNumber(r.id)]));
  return chunk.map((r) => idOf.get(`${r.customerId}\u0000${r.email}`)!);
}

/**
 * Clears the primary flag of every contact of these customers (but `exceptId`); answers those contacts as they now
 * are (their changes are recorded). The customers' rows are locked (or SQLite's write lock held) by the caller.
 */
export async function demotePrimaries(
  { sequelize, read }: ContactsDb,
  customerIds: number[],
  uow: UnitOfWork,
  exceptId?: number,
): Promise<ContactRecord[]> {
  const ids = boundIds(customerIds);
  if (ids.length === 0) return [];
  const except = exceptId !== undefined ? ' AND c.id <> ?' : '';
  const params = [...ids, ...(exceptId !== undefined ? [exceptId] : [])];
  const rows = await read.selectIn(
    uow,
    `${SELECT_CONTACTS} WHERE c.customer_id IN (${placeholders(ids)}) AND c.is_primary = TRUE${except}`,
    params,
  );
  if (rows.length === 0) return [];
  const demoted = rows.map(contactRecord);
  const now = new Date();
  // Plain SQL: Model.update builds and validates an instance first, for one flag and the timestamp.
  await sequelize.query(
    `UPDATE contacts SET is_primary = FALSE, version = version + 1, updated_at = ? WHERE id IN (${placeholders(demoted)})`,
    { replacements: [now, ...demoted.map((c) => c.id)], transaction: asTransaction(uow), type: QueryTypes.UPDATE },
  );
  return demoted.map((c) => ({ ...c, isPrimary: false, version: c.version + 1, updatedAt: now }));
}

/**
 * Writes the values that differ from the contact's and returns it as it now is; nothing changed, nothing written
 * (as a model's update: `updated_at` and the version move only with a change). The contact's row is locked (or,
 * on SQLite, the write lock held) since it was read, so its version is the one read, plus one.
 */
export async function update(
  { sequelize }: ContactsDb,
  contact: ContactRecord,
  values: Partial<ContactValues>,
  uow: UnitOfWork,
): Promise<ContactRecord> {
  const changed = (Object.keys(values) as (keyof ContactValues)[]).filter((k) => values[k] !== contact[k]);
  if (changed.length === 0) return contact;
  const now = new Date();
  await sequelize.query(
    `UPDATE contacts SET ${changed.map((k) => `${VALUE_COLUMNS[k]} = ?`).join(', ')}, updated_at = ?, version = version + 1
     WHERE id = ?`,
    {
      replacements: [...changed.map((k) => values[k]), now, contact.id],
      transaction: asTransaction(uow),
      type: QueryTypes.UPDATE,
    },
  );
  return { ...contact, ...values, updatedAt: now, version: contact.version + 1 };
}

export async function remove(id: number, uow: UnitOfWork): Promise<boolean> {
  if (!fitsId(id)) return false;
  return (await Contact.destroy({ where: { id }, transaction: asTransaction(uow) })) > 0;
}
