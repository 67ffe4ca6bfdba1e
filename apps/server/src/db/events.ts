import { QueryTypes, type Sequelize } from 'sequelize';
import { writeAtCommit } from './commit.js';
import type { Dialect } from './connection.js';
import type { NumberedEvent } from './deliveries.js';
import { asDate, asNumber, limitSql, offsetParams, offsetSql, type Reader, type Row } from './reads.js';
import { asTransaction, type UnitOfWork } from './transaction.js';

// The events table (migration 0007): appended in the transaction of each change; numbered for readers afterwards.

/** An event as the services append it. */
export interface NewEvent {
  eventId: string;
  type: string;
  occurredAt: Date;
  actor: { type: 'user'; id: number; username: string } | { type: 'cli' | 'system' };
  requestId: string | null;
  subject: { type: string; id: number };
  /** JSON. */
  data: string;
}

/** An event as read: what was appended, and its place in the feed. */
export interface EventRecord extends NewEvent {
  sequence: number;
}

const COLUMNS =
  '(event_id, type, occurred_at, actor_type, actor_id, actor_username, request_id, subject_type, subject_id, data)';
const SELECT = `SELECT sequence, event_id, type, occurred_at, actor_type, actor_id, actor_username, request_id,
  subject_type, subject_id, data FROM events`;
const ROWS_PER_INSERT = 500;
/** Rows numbered by one sequencer run. */
const SEQUENCE_BATCH = 5000;

function eventRecord(r: Row): EventRecord {
  const actorType = r.actor_type as string;
  return {
    sequence: asNumber(r.sequence),
    eventId: r.event_id as string,
    type: r.type as string,
    occurredAt: asDate(r.occurred_at),
    actor:
      actorType === 'user'
        ? { type: 'user', id: asNumber(r.actor_id), username: r.actor_username as string }
        : { type: actorType as 'cli' | 'system' },
    requestId: (r.request_id as string | null) ?? null,
    subject: { type: r.subject_type as string, id: asNumber(r.subject_id) },
    data: r.data as string,
  };
}

type Write = (uow: UnitOfWork, sql: string, replacements: unknown[]) => Promise<unknown>;

/**
 * Numbers the committed events that have no sequence yet, in the order they were inserted, after every number
 * given before: one sequencer at a time (the sequencer row's lock; SQLite's writers take turns). An event that
 * commits later gets a later number, so a reader past a number never misses an event. Answers the events
 * numbered.
 */
async function sequence(read: Reader, write: Write, dialect: Dialect, uow: UnitOfWork): Promise<NumberedEvent[]> {
  const lock = dialect === 'sqlite' ? '' : ' FOR UPDATE';
  const [state] = await read.selectIn(uow, `SELECT last_sequence FROM event_sequencer WHERE id = 1${lock}`, []);
  const rows = await read.selectIn(
    uow,
    `SELECT id, event_id, type, occurred_at, subject_type, subject_id FROM events WHERE sequence IS NULL
     ORDER BY id ${limitSql(SEQUENCE_BATCH)}`,
    [],
  );
  if (rows.length === 0) return [];
  const last = asNumber(state?.last_sequence ?? 0);
  const ids = rows.map((r) => asNumber(r.id));
  // One statement: the new number of each id is its place in this batch.
  const cases = ids.map(() => 'WHEN ? THEN ?').join(' ');
  await write(uow, `UPDATE events SET sequence = CASE id ${cases} END WHERE id IN (${ids.map(() => '?').join(', ')})`, [
    ...ids.flatMap((id, i) => [id, last + i + 1]),
    ...ids,
  ]);
  await write(uow, 'UPDATE event_sequencer SET last_sequence = ? WHERE id = 1', [last + ids.length]);
  return rows.map((r, i) => ({
    row: ids[i]!,
    sequence: last + i + 1,
    eventId: r.event_id as string,
    type: r.type as string,
    occurredAt: asDate(r.occurred_at),
    subject: { type: r.subject_type as string, id: asNumber(r.subject_id) },
  }));
}

export function eventsRepo(sequelize: Sequelize, read: Reader, dialect: Dialect) {
  const write = (uow: UnitOfWork, sql: string, replacements: unknown[]) =>
    sequelize.query(sql, { replacements, transaction: asTransaction(uow), type: QueryTypes.UPDATE });

  return {
    /** Appends events in the caller's unit of work (the change's transaction), sent with its commit. */
    append(uow: UnitOfWork, events: NewEvent[]): void {
      for (let start = 0; start < events.length; start += ROWS_PER_INSERT) {
        const chunk = events.slice(start, start + ROWS_PER_INSERT);
        const params = chunk.flatMap((e) => [
          e.eventId,
          e.type,
          e.occurredAt,
          e.actor.type,
          e.actor.type === 'user' ? e.actor.id : null,
          e.actor.type === 'user' ? e.actor.username : null,
          e.requestId,
          e.subject.type,
          e.subject.id,
          e.data,
        ]);
        const tuples = chunk.map(() => '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ');
        writeAtCommit(uow, `INSERT INTO events ${COLUMNS} VALUES ${tuples}`, params);
      }
    },

    /** Whether committed events wait for their sequence (a plain read: most reads find none). */
    async unsequenced(): Promise<boolean> {
      const rows = await read.select('SELECT id FROM events WHERE sequence IS NULL LIMIT 1', []);
      return rows.length > 0;
    },

    sequence: (uow: UnitOfWork) => sequence(read, write, dialect, uow),

    /** Events by their rows, in the caller's unit of work (a delivery's body). */
    async byRows(uow: UnitOfWork, rows: number[]): Promise<Map<number, EventRecord>> {
      if (rows.length === 0) return new Map();
      const found = await read.selectIn(
        uow,
        `SELECT id, ${SELECT.slice('SELECT '.length)} WHERE id IN (${rows.map(() => '?').join(', ')})`,
        rows,
      );
      return new Map(found.map((r) => [asNumber(r.id), eventRecord(r)]));
    },

    /** The events after `after` in sequence order, of these types (all when empty). */
    async feed(after: number, types: string[], limit: number): Promise<EventRecord[]> {
      const typeSql = types.length > 0 ? ` AND type IN (${types.map(() => '?').join(', ')})` : '';
      const rows = await read.select(`${SELECT} WHERE sequence > ?${typeSql} ORDER BY sequence ${limitSql(limit)}`, [
        after,
        ...types,
      ]);
      return rows.map(eventRecord);
    },

    /**
     * Removes up to `limit` numbered events that occurred before `before`, oldest first, and before `keepFrom` (the
     * first event a pending delivery still needs); answers how many.
     */
    async prune(before: Date, keepFrom: number | undefined, limit: number, uow: UnitOfWork): Promise<number> {
      const rows = await read.selectIn(
        uow,
        `SELECT id FROM events WHERE occurred_at < ? AND sequence IS NOT NULL AND id < ? ORDER BY id ${limitSql(limit)}`,
        [before, keepFrom ?? Number.MAX_SAFE_INTEGER],
      );
      if (rows.length === 0) return 0;
      await write(
        uow,
        `DELETE FROM events WHERE id IN (${rows.map(() => '?').join(', ')})`,
        rows.map((r) => r.id),
      );
      return rows.length;
    },

    /** A record's events, newest first, and how many there are. */
    async history(subject: { type: string; id: number }, limit: number, offset: number) {
      const where = 'WHERE subject_type = ? AND subject_id = ? AND sequence IS NOT NULL';
      const [rows, [count]] = await Promise.all([
        read.select(`${SELECT} ${where} ORDER BY sequence DESC ${limitSql(limit)}${offsetSql(offset)}`, [
          subject.type,
          subject.id,
          ...offsetParams(offset),
        ]),
        read.select(`SELECT COUNT(*) AS n FROM events ${where}`, [subject.type, subject.id]),
      ]);
      return { count: asNumber(count?.n ?? 0), rows: rows.map(eventRecord) };
    },
  };
}

export type EventsRepo = ReturnType<typeof eventsRepo>;
