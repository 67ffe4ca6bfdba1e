import { QueryTypes } from 'sequelize';
import { Contact } from '../models/index.js';
import { asNumber, fitsId } from '../reads.js';
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

/**
 * Multi-row INSERTs, bypassing the model (no instance, hooks or validation per row: the
 * service hands checked values; the database's constraints still hold), with one timestamp for the batch.
 * The ids: RETURNING on PostgreSQL and MariaDB, matched back to the rows by (customer, e-mail), which is
 * unique; on SQLite the last rowid, as the rows of one INSERT take consecutive ids (AUTOINCREMENT, one
 * writer at a time) — what Sequelize's own bulkCreate relies on there.
 */
export async function insertRows(
  { sequelize, dialect }: ContactsDb,
  rows: (ContactValues & { customerId: number })[],
  uow: UnitOfWork,
): Promise<ContactRow[]> {
  const transaction = asTransaction(uow);
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
        version: 1,
      });
    });
  }
  return out;
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
