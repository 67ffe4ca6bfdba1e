import type { Dialect } from './connection.js';

/*
 * A place in the primary's log, as both server databases give it: PostgreSQL's WAL position (one number, an LSN)
 * and MariaDB's GTID position (a sequence number per replication domain). Both are kept as a map from domain to
 * sequence (PostgreSQL's one number under domain 0), so that one rule compares them: a replica has reached a
 * position when, in every domain of the position, it has replayed at least that far.
 */

export type Position = ReadonlyMap<number, bigint>;

/** PostgreSQL's `16/B374D848` (two 32-bit halves in hex). */
function fromLsn(text: string): Position | undefined {
  const m = /^([0-9A-F]{1,8})\/([0-9A-F]{1,8})$/i.exec(text.trim());
  return m ? new Map([[0, (BigInt(`0x${m[1]}`) << 32n) | BigInt(`0x${m[2]}`)]]) : undefined;
}

/** MariaDB's `0-1-1234,1-2-55` (domain-server-sequence per domain); empty when nothing was logged. */
function fromGtids(text: string): Position | undefined {
  const position = new Map<number, bigint>();
  for (const gtid of text.split(',').map((s) => s.trim())) {
    if (gtid === '') continue;
    const m = /^(\d{1,10})-\d{1,10}-(\d{1,20})$/.exec(gtid);
    if (!m) return undefined;
    position.set(Number(m[1]), BigInt(m[2]!));
  }
  return position.size > 0 ? position : undefined;
}

/** A position as the database wrote it; undefined for none (no binary log, not a replica) or an unknown form. */
export function parsePosition(dialect: Dialect, text: unknown): Position | undefined {
  if (typeof text !== 'string') return undefined;
  return dialect === 'postgres' ? fromLsn(text) : fromGtids(text);
}

/** Whether `have` is at or past `need` in every domain of `need`. */
export function reached(have: Position, need: Position): boolean {
  for (const [domain, seq] of need) {
    const at = have.get(domain);
    if (at === undefined || at < seq) return false;
  }
  return true;
}

/** The position that has reached both. */
export function later(a: Position | undefined, b: Position | undefined): Position | undefined {
  if (!a || !b) return a ?? b;
  const merged = new Map(a);
  for (const [domain, seq] of b) if ((merged.get(domain) ?? -1n) < seq) merged.set(domain, seq);
  return merged;
}

/**
 * The text of a position, as the consistency token carries it: `domain-hexsequence` per domain, `_` between, in
 * domain order (`0-16B374D848`). Sequences in hex keep the token short; the SDK compares them the same way.
 */
export function positionText(p: Position): string {
  return [...p.entries()]
    .sort(([a], [b]) => a - b)
    .map(([domain, seq]) => `${domain}-${seq.toString(16).toUpperCase()}`)
    .join('_');
}

/** The inverse of positionText; undefined for anything else. */
export function positionFromText(text: string): Position | undefined {
  if (text.length > 400) return undefined;
  const position = new Map<number, bigint>();
  for (const part of text.split('_')) {
    const m = /^(\d{1,10})-([0-9A-F]{1,20})$/.exec(part);
    if (!m || position.has(Number(m[1]))) return undefined;
    position.set(Number(m[1]), BigInt(`0x${m[2]}`));
  }
  return position.size > 0 ? position : undefined;
}

/** The statement that reads the primary's current position (after a commit: at or past it). */
export const PRIMARY_POSITION_SQL: Record<Exclude<Dialect, 'sqlite'>, string> = {
  // The insert position: past every record inserted, whatever synchronous_commit says of flushing them.
  postgres: 'SELECT pg_current_wal_insert_lsn()::text AS position',
  mariadb: 'SELECT @@gtid_binlog_pos AS position',
};

/** The statement that reads how far a replica has replayed, and whether it replays at all. */
export const REPLAY_POSITION_SQL: Record<Exclude<Dialect, 'sqlite'>, string> = {
  postgres: 'SELECT pg_is_in_recovery() AS replica, pg_last_wal_replay_lsn()::text AS position',
  mariadb: "SELECT @@gtid_slave_pos <> '' AS replica, @@gtid_slave_pos AS position",
};
