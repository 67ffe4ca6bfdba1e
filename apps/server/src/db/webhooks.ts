import { QueryTypes, type Sequelize } from 'sequelize';
import { asBoolean, asDate, asNumber, fitsId, limitSql, type Reader, type Row } from './reads.js';
import { asTransaction, type UnitOfWork } from './transaction.js';

/** A webhook endpoint as stored (migration 0008). */
export interface WebhookRecord {
  id: number;
  url: string;
  events: string[];
  description: string;
  secret: string;
  previousSecret: string | null;
  previousSecretUntil: Date | null;
  isActive: boolean;
  disabledReason: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export type WebhookValues = Pick<WebhookRecord, 'url' | 'events' | 'description' | 'isActive'>;

const SELECT = `SELECT id, url, events, description, secret, previous_secret, previous_secret_until, is_active,
  disabled_reason, created_at, updated_at FROM webhooks`;

function webhookRecord(r: Row): WebhookRecord {
  return {
    id: asNumber(r.id),
    url: r.url as string,
    events: JSON.parse(r.events as string),
    description: r.description as string,
    secret: r.secret as string,
    previousSecret: (r.previous_secret as string | null) ?? null,
    previousSecretUntil: r.previous_secret_until == null ? null : asDate(r.previous_secret_until),
    isActive: asBoolean(r.is_active),
    disabledReason: (r.disabled_reason as string | null) ?? null,
    createdAt: asDate(r.created_at),
    updatedAt: asDate(r.updated_at),
  };
}

export function webhooksRepo(sequelize: Sequelize, read: Reader) {
  const write = (uow: UnitOfWork, sql: string, replacements: unknown[]) =>
    sequelize.query(sql, { replacements, transaction: asTransaction(uow), type: QueryTypes.UPDATE });
  const rowLock = sequelize.getDialect() === 'sqlite' ? '' : ' FOR UPDATE';

  return {
    async page(limit: number, offset: number) {
      const [rows, [count]] = await Promise.all([
        read.select(`${SELECT} ORDER BY id ${limitSql(limit)} OFFSET ?`, [offset]),
        read.select('SELECT COUNT(*) AS n FROM webhooks', []),
      ]);
      return { count: asNumber(count?.n ?? 0), rows: rows.map(webhookRecord) };
    },

    async byId(id: number): Promise<WebhookRecord | undefined> {
      if (!fitsId(id)) return undefined;
      const [row] = await read.select(`${SELECT} WHERE id = ?`, [id]);
      return row && webhookRecord(row);
    },

    async lock(id: number, uow: UnitOfWork): Promise<WebhookRecord | undefined> {
      if (!fitsId(id)) return undefined;
      const [row] = await read.selectIn(uow, `${SELECT} WHERE id = ?${rowLock}`, [id]);
      return row && webhookRecord(row);
    },

    async insert(values: WebhookValues, secret: string, uow: UnitOfWork): Promise<WebhookRecord> {
      const now = new Date();
      await write(
        uow,
        `INSERT INTO webhooks (url, events, description, secret, is_active, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
        [values.url, JSON.stringify(values.events), values.description, secret, values.isActive, now, now],
      );
      // The newest row of this transaction: ids only grow, and the insert above is the transaction's own.
      const [row] = await read.selectIn(uow, `${SELECT} WHERE secret = ?`, [secret]);
      return webhookRecord(row!);
    },

    /** Writes the webhook as given (the caller holds its row lock). */
    async update(w: WebhookRecord, uow: UnitOfWork): Promise<WebhookRecord> {
      const updatedAt = new Date();
      await write(
        uow,
        `UPDATE webhooks SET url = ?, events = ?, description = ?, secret = ?, previous_secret = ?,
         previous_secret_until = ?, is_active = ?, disabled_reason = ?, updated_at = ? WHERE id = ?`,
        [
          w.url,
          JSON.stringify(w.events),
          w.description,
          w.secret,
          w.previousSecret,
          w.previousSecretUntil,
          w.isActive,
          w.disabledReason,
          updatedAt,
          w.id,
        ],
      );
      return { ...w, updatedAt };
    },

    async remove(id: number, uow: UnitOfWork): Promise<boolean> {
      if (!fitsId(id)) return false;
      const [, changed] = (await write(uow, 'DELETE FROM webhooks WHERE id = ?', [id])) as [unknown, number];
      return changed > 0;
    },
  };
}

export type WebhooksRepo = ReturnType<typeof webhooksRepo>;
