import { QueryTypes, type Sequelize } from 'sequelize';
import {
  asBoolean,
  asDate,
  asNumber,
  fitsId,
  limitSql,
  offsetParams,
  offsetSql,
  type Reader,
  type Row,
} from './reads.js';
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
  /** When its deliveries began to fail, with no success since; null when the last one succeeded. */
  failingSince: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export type WebhookValues = Pick<WebhookRecord, 'url' | 'events' | 'description' | 'isActive'>;

const SELECT = `SELECT id, url, events, description, secret, previous_secret, previous_secret_until, is_active,
  disabled_reason, failing_since, created_at, updated_at FROM webhooks`;

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
    failingSince: r.failing_since == null ? null : asDate(r.failing_since),
    createdAt: asDate(r.created_at),
    updatedAt: asDate(r.updated_at),
  };
}

type Write = (uow: UnitOfWork, sql: string, replacements: unknown[]) => Promise<unknown>;

/** What deliveries tell of their webhooks: working, failing since when, or given up. */
function health(read: Reader, write: Write) {
  return {
    /** A delivery to these webhooks succeeded: none of them is failing any more. */
    async succeeded(ids: number[], uow: UnitOfWork): Promise<void> {
      if (ids.length === 0) return;
      await write(
        uow,
        `UPDATE webhooks SET failing_since = NULL WHERE failing_since IS NOT NULL AND id IN (${ids.map(() => '?').join(', ')})`,
        ids,
      );
    },

    /**
     * Deliveries to these webhooks failed (and none succeeded) at `now`: they are failing from now, unless already;
     * those failing since before `disableBefore` are disabled, with `reason`. Answers the ids disabled.
     */
    async failed(ids: number[], now: Date, disableBefore: Date, reason: string, uow: UnitOfWork): Promise<number[]> {
      if (ids.length === 0) return [];
      const list = ids.map(() => '?').join(', ');
      await write(uow, `UPDATE webhooks SET failing_since = ? WHERE failing_since IS NULL AND id IN (${list})`, [
        now,
        ...ids,
      ]);
      const stale = await read.selectIn(
        uow,
        `SELECT id FROM webhooks WHERE is_active = ? AND failing_since < ? AND id IN (${list})`,
        [true, disableBefore, ...ids],
      );
      const disabled = stale.map((r) => asNumber(r.id));
      if (disabled.length > 0) {
        await write(
          uow,
          `UPDATE webhooks SET is_active = ?, disabled_reason = ?, updated_at = ? WHERE id IN (${disabled.map(() => '?').join(', ')})`,
          [false, reason, now, ...disabled],
        );
      }
      return disabled;
    },
  };
}

export function webhooksRepo(sequelize: Sequelize, read: Reader) {
  const write = (uow: UnitOfWork, sql: string, replacements: unknown[]) =>
    sequelize.query(sql, { replacements, transaction: asTransaction(uow), type: QueryTypes.UPDATE });
  const rowLock = sequelize.getDialect() === 'sqlite' ? '' : ' FOR UPDATE';

  return {
    ...health(read, write),
    async page(limit: number, offset: number) {
      const [rows, [count]] = await Promise.all([
        read.select(`${SELECT} ORDER BY id ${limitSql(limit)}${offsetSql(offset)}`, offsetParams(offset)),
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
         previous_secret_until = ?, is_active = ?, disabled_reason = ?, failing_since = ?, updated_at = ? WHERE id = ?`,
        [
          w.url,
          JSON.stringify(w.events),
          w.description,
          w.secret,
          w.previousSecret,
          w.previousSecretUntil,
          w.isActive,
          w.disabledReason,
          w.failingSince,
          updatedAt,
          w.id,
        ],
      );
      return { ...w, updatedAt };
    },

    /** Whether any webhook is active: the deliverers number new events at once only then. */
    async anyActive(): Promise<boolean> {
      return (await read.select(`SELECT id FROM webhooks WHERE is_active = ? ${limitSql(1)}`, [true])).length > 0;
    },

    /** Webhooks by id, in the caller's unit of work (the deliverers' claim). */
    async byIds(ids: number[], uow: UnitOfWork): Promise<Map<number, WebhookRecord>> {
      if (ids.length === 0) return new Map();
      const rows = await read.selectIn(uow, `${SELECT} WHERE id IN (${ids.map(() => '?').join(', ')})`, ids);
      return new Map(rows.map((r) => [asNumber(r.id), webhookRecord(r)]));
    },

    async remove(id: number, uow: UnitOfWork): Promise<boolean> {
      if (!fitsId(id)) return false;
      const [, changed] = (await write(uow, 'DELETE FROM webhooks WHERE id = ?', [id])) as [unknown, number];
      return changed > 0;
    },
  };
}

export type WebhooksRepo = ReturnType<typeof webhooksRepo>;
