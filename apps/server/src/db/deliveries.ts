import { QueryTypes, type Sequelize } from 'sequelize';
import type { Dialect } from './connection.js';
import { asDate, asNumber, fitsId, limitSql, offsetParams, offsetSql, type Reader, type Row } from './reads.js';
import { asTransaction, type UnitOfWork } from './transaction.js';

// Webhook deliveries (migration 0009): made when events are numbered, claimed by the deliverers under a lease.

export type DeliveryStatus = 'pending' | 'succeeded' | 'failed';

export interface DeliveryRecord {
  id: number;
  webhookId: number;
  messageId: string;
  eventType: string;
  eventRow: number | null;
  sequence: number | null;
  subject: { type: string; id: number } | null;
  payload: string | null;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: Date | null;
  leaseToken: string | null;
  lastAttemptAt: Date | null;
  responseStatus: number | null;
  responseTimeMs: number | null;
  lastError: string | null;
  createdAt: Date;
}

/** A numbered event, as the fan-out needs it. */
export interface NumberedEvent {
  row: number;
  sequence: number;
  eventId: string;
  type: string;
  occurredAt: Date;
  subject: { type: string; id: number };
}

/** The end of one attempt, to record. */
export interface AttemptResult {
  id: number;
  webhookId: number;
  leaseToken: string;
  at: Date;
  status: DeliveryStatus;
  /** The next attempt, when `pending`. */
  nextAttemptAt: Date | null;
  responseStatus: number | null;
  responseTimeMs: number;
  error: string | null;
}

const SELECT = `SELECT id, webhook_id, message_id, event_type, event_row, sequence, subject_type, subject_id, payload,
  status, attempts, next_attempt_at, lease_token, last_attempt_at, response_status, response_time_ms, last_error,
  created_at FROM webhook_deliveries`;
const COLUMNS = `(webhook_id, message_id, event_type, event_row, sequence, subject_type, subject_id, payload, status,
  attempts, next_attempt_at, created_at)`;
const ROWS_PER_INSERT = 400;

const nullable = <T>(v: unknown, as: (v: unknown) => T): T | null => (v == null ? null : as(v));

function deliveryRecord(r: Row): DeliveryRecord {
  return {
    id: asNumber(r.id),
    webhookId: asNumber(r.webhook_id),
    messageId: r.message_id as string,
    eventType: r.event_type as string,
    eventRow: nullable(r.event_row, asNumber),
    sequence: nullable(r.sequence, asNumber),
    subject: r.subject_type == null ? null : { type: r.subject_type as string, id: asNumber(r.subject_id) },
    payload: (r.payload as string | null) ?? null,
    status: r.status as DeliveryStatus,
    attempts: asNumber(r.attempts),
    nextAttemptAt: nullable(r.next_attempt_at, asDate),
    leaseToken: (r.lease_token as string | null) ?? null,
    lastAttemptAt: nullable(r.last_attempt_at, asDate),
    responseStatus: nullable(r.response_status, asNumber),
    responseTimeMs: nullable(r.response_time_ms, asNumber),
    lastError: (r.last_error as string | null) ?? null,
    createdAt: asDate(r.created_at),
  };
}

/** `(webhook_id = ? AND subject_type = ? AND subject_id = ?) OR …` over distinct subjects: index ranges everywhere. */
function subjectsSql(items: { webhookId: number; subject: { type: string; id: number } | null }[]) {
  const keys = new Map<string, unknown[]>();
  for (const d of items) {
    if (d.subject)
      keys.set(`${d.webhookId}/${d.subject.type}/${d.subject.id}`, [d.webhookId, d.subject.type, d.subject.id]);
  }
  const sql = [...keys.values()].map(() => '(webhook_id = ? AND subject_type = ? AND subject_id = ?)').join(' OR ');
  return { sql: `(${sql})`, params: [...keys.values()].flat(), count: keys.size };
}

type Write = (uow: UnitOfWork, sql: string, replacements: unknown[]) => Promise<unknown>;

interface Context {
  read: Reader;
  write: Write;
  dialect: Dialect;
}

async function insert({ write }: Context, uow: UnitOfWork, rows: unknown[][]) {
  for (let start = 0; start < rows.length; start += ROWS_PER_INSERT) {
    const chunk = rows.slice(start, start + ROWS_PER_INSERT);
    const tuples = chunk.map(() => '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ');
    await write(uow, `INSERT INTO webhook_deliveries ${COLUMNS} VALUES ${tuples}`, chunk.flat());
  }
}

/** Of due candidates, those that are first of their subject's pending deliveries; the others wait behind it. */
async function inOrder({ read, write }: Context, uow: UnitOfWork, candidates: DeliveryRecord[], leaseEnd: Date) {
  const ordered = candidates.filter((d) => d.subject && d.sequence !== null);
  if (ordered.length === 0) return candidates;
  const where = subjectsSql(ordered);
  const firsts = await read.selectIn(
    uow,
    `SELECT webhook_id, subject_type, subject_id, MIN(sequence) AS first FROM webhook_deliveries
     WHERE status = 'pending' AND ${where.sql} GROUP BY webhook_id, subject_type, subject_id`,
    where.params,
  );
  const first = new Map(firsts.map((r) => [`${r.webhook_id}/${r.subject_type}/${r.subject_id}`, asNumber(r.first)]));
  const waiting = ordered.filter((d) => first.get(`${d.webhookId}/${d.subject!.type}/${d.subject!.id}`) !== d.sequence);
  // Out of the way of the next claims until the one before has ended (finish() calls them back then).
  if (waiting.length > 0) {
    await write(
      uow,
      `UPDATE webhook_deliveries SET next_attempt_at = ? WHERE id IN (${waiting.map(() => '?').join(', ')})`,
      [leaseEnd, ...waiting.map((d) => d.id)],
    );
  }
  return candidates.filter((d) => !waiting.includes(d));
}

/** Makes the deliveries that waited behind these ended ones due now. */
async function callBack({ read, write }: Context, uow: UnitOfWork, ended: number[], now: Date) {
  if (ended.length === 0) return;
  const rows = await read.selectIn(
    uow,
    `SELECT webhook_id, subject_type, subject_id FROM webhook_deliveries WHERE id IN (${ended.map(() => '?').join(', ')})`,
    ended,
  );
  const where = subjectsSql(
    rows.map((r) => ({
      webhookId: asNumber(r.webhook_id),
      subject: r.subject_type == null ? null : { type: r.subject_type as string, id: asNumber(r.subject_id) },
    })),
  );
  if (where.count === 0) return;
  await write(
    uow,
    `UPDATE webhook_deliveries SET next_attempt_at = ? WHERE status = 'pending' AND lease_token IS NULL
     AND next_attempt_at > ? AND ${where.sql}`,
    [now, now, ...where.params],
  );
}

/** The rows of the deliveries of these events to the webhooks (`id`, `events`) that take their types. */
function deliveryRows(hooks: Row[], events: NumberedEvent[], now: Date): unknown[][] {
  const rows: unknown[][] = [];
  for (const hook of hooks) {
    const types = new Set(JSON.parse(hook.events as string) as string[]);
    const since = asDate(hook.created_at).getTime();
    for (const e of events) {
      // A webhook hears of the changes made after it was registered, however late they are numbered.
      if ((!types.has('*') && !types.has(e.type)) || e.occurredAt.getTime() < since) continue;
      const { row, sequence, subject } = e;
      rows.push([hook.id, e.eventId, e.type, row, sequence, subject.type, subject.id, null, 'pending', 0, now, now]);
    }
  }
  return rows;
}

/** What the deliverers do with deliveries: make, claim and end them. */
function queue(ctx: Context) {
  const { read, write, dialect } = ctx;
  const skipLocked = dialect === 'sqlite' ? '' : ' FOR UPDATE SKIP LOCKED';
  return {
    /** One delivery per numbered event and active webhook that takes its type (in the numbering's transaction). */
    async enqueue(uow: UnitOfWork, events: NumberedEvent[], now: Date): Promise<number> {
      const hooks = await read.selectIn(uow, 'SELECT id, events, created_at FROM webhooks WHERE is_active = ?', [true]);
      const rows = deliveryRows(hooks, events, now);
      await insert(ctx, uow, rows);
      return rows.length;
    },

    /** A ping for one webhook, due now. */
    async ping(uow: UnitOfWork, webhookId: number, messageId: string, payload: string): Promise<DeliveryRecord> {
      const now = new Date();
      await insert(ctx, uow, [[webhookId, messageId, 'ping', null, null, null, null, payload, 'pending', 0, now, now]]);
      const [row] = await read.selectIn(uow, `${SELECT} WHERE message_id = ? AND webhook_id = ?`, [
        messageId,
        webhookId,
      ]);
      return deliveryRecord(row!);
    },

    /** Whether a delivery to an active webhook may be due (a plain, cheap read before a claim's transaction). */
    async anyDue(now: Date): Promise<boolean> {
      const rows = await read.select(
        `SELECT d.id FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id AND w.is_active = ?
         WHERE d.status = 'pending' AND d.next_attempt_at <= ? ${limitSql(1)}`,
        [true, now],
      );
      return rows.length > 0;
    },

    /**
     * Claims up to `limit` due deliveries of active webhooks, each first of its subject, under a lease: they are
     * not due again before `leaseEnd`, and only the holder of `token` can record their end. Rows another deliverer
     * is claiming are skipped (SKIP LOCKED; SQLite's writers take turns).
     */
    async claim(uow: UnitOfWork, limit: number, now: Date, leaseEnd: Date, token: string): Promise<DeliveryRecord[]> {
      const hooks = await read.selectIn(uow, 'SELECT id FROM webhooks WHERE is_active = ?', [true]);
      if (hooks.length === 0) return [];
      const due = await read.selectIn(
        uow,
        `${SELECT} WHERE status = 'pending' AND next_attempt_at <= ? AND webhook_id IN (${hooks.map(() => '?').join(', ')})
         ORDER BY next_attempt_at ${limitSql(limit)}${skipLocked}`,
        [now, ...hooks.map((h) => h.id)],
      );
      const claimed = await inOrder(ctx, uow, due.map(deliveryRecord), leaseEnd);
      if (claimed.length === 0) return [];
      await write(
        uow,
        `UPDATE webhook_deliveries SET lease_token = ?, next_attempt_at = ? WHERE id IN (${claimed.map(() => '?').join(', ')})`,
        [token, leaseEnd, ...claimed.map((d) => d.id)],
      );
      return claimed.map((d) => ({ ...d, leaseToken: token, nextAttemptAt: leaseEnd }));
    },

    /**
     * Records the ends of attempts whose lease is still held (a lease that ran out and was claimed again is the new
     * holder's), and calls back the deliveries that waited behind the ended ones. Answers the ids recorded.
     */
    async finish(uow: UnitOfWork, results: AttemptResult[], now: Date): Promise<number[]> {
      const recorded: number[] = [];
      for (const r of results) {
        const [, changed] = (await write(
          uow,
          `UPDATE webhook_deliveries SET status = ?, attempts = attempts + 1, next_attempt_at = ?, lease_token = NULL,
           last_attempt_at = ?, response_status = ?, response_time_ms = ?, last_error = ? WHERE id = ? AND lease_token = ?`,
          [r.status, r.nextAttemptAt, r.at, r.responseStatus, r.responseTimeMs, r.error, r.id, r.leaseToken],
        )) as [unknown, number];
        if (changed > 0) recorded.push(r.id);
      }
      await callBack(
        ctx,
        uow,
        results.filter((r) => r.status !== 'pending' && recorded.includes(r.id)).map((r) => r.id),
        now,
      );
      return recorded;
    },
  };
}

/** What the admin routes and maintenance do with deliveries. */
function admin({ read, write, dialect }: Context) {
  const rowLock = dialect === 'sqlite' ? '' : ' FOR UPDATE';
  return {
    async page(webhookId: number, status: DeliveryStatus | undefined, limit: number, offset: number) {
      const where = status ? 'WHERE webhook_id = ? AND status = ?' : 'WHERE webhook_id = ?';
      const params = status ? [webhookId, status] : [webhookId];
      const [rows, [count]] = await Promise.all([
        read.select(`${SELECT} ${where} ORDER BY id DESC ${limitSql(limit)}${offsetSql(offset)}`, [
          ...params,
          ...offsetParams(offset),
        ]),
        read.select(`SELECT COUNT(*) AS n FROM webhook_deliveries ${where}`, params),
      ]);
      return { count: asNumber(count?.n ?? 0), rows: rows.map(deliveryRecord) };
    },

    async lock(webhookId: number, id: number, uow: UnitOfWork): Promise<DeliveryRecord | undefined> {
      if (!fitsId(id) || !fitsId(webhookId)) return undefined;
      const [row] = await read.selectIn(uow, `${SELECT} WHERE id = ? AND webhook_id = ?${rowLock}`, [id, webhookId]);
      return row && deliveryRecord(row);
    },

    /** Makes a delivery due now, as pending (the caller holds its row lock). */
    async again(id: number, now: Date, uow: UnitOfWork): Promise<void> {
      await write(
        uow,
        `UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = ?, lease_token = NULL WHERE id = ?`,
        [now, id],
      );
    },

    /** The smallest event row a pending delivery still needs (events before it may be pruned). */
    async oldestNeededEvent(uow: UnitOfWork): Promise<number | undefined> {
      const [row] = await read.selectIn(
        uow,
        `SELECT MIN(event_row) AS row FROM webhook_deliveries WHERE status = 'pending'`,
        [],
      );
      return row?.row == null ? undefined : asNumber(row.row);
    },
  };
}

export function deliveriesRepo(sequelize: Sequelize, read: Reader, dialect: Dialect) {
  const write: Write = (uow, sql, replacements) =>
    sequelize.query(sql, { replacements, transaction: asTransaction(uow), type: QueryTypes.UPDATE });
  const ctx = { read, write, dialect };
  return { ...queue(ctx), ...admin(ctx) };
}

export type DeliveriesRepo = ReturnType<typeof deliveriesRepo>;
