import type { Sequelize, Transaction } from 'sequelize';
import { type PgClient, pgInlined, takeBegin } from './begin.js';
import type { Dialect } from './connection.js';
import { connectionOf, finishCommitted, loggingOf, transactionIdOf } from './internals.js';
import { type Position, PRIMARY_POSITION_SQL, parsePosition } from './positions.js';
import { sqliteValue } from './reads.js';
import { runStatement } from './sqlite.js';
import { asTransaction, type UnitOfWork } from './transaction.js';

/*
 * Writes whose answers a transaction never reads (its events) wait for its commit and travel with it: on
 * PostgreSQL and MariaDB one message, `INSERT …; COMMIT`, instead of a round trip each. A statement sent to the
 * database costs a socket write and a wake-up on both sides, the largest part of a short write's time
 * (docs/benchmarks.md). A statement of the message that fails stops the rest, the COMMIT with them, and the
 * transaction rolls back: the change never commits without them.
 */

interface Trailing {
  sql: string;
  params: readonly unknown[];
}

const trailing = new WeakMap<Transaction, Trailing[]>();

/** Sends `sql` (with `?` placeholders) with the unit of work's commit, after the writes before it. */
export function writeAtCommit(uow: UnitOfWork, sql: string, params: readonly unknown[]): void {
  const t = asTransaction(uow);
  const list = trailing.get(t);
  if (list) list.push({ sql, params });
  else trailing.set(t, [{ sql, params }]);
}

interface MariaConnection {
  query(sql: string, values: readonly unknown[]): Promise<unknown>;
}
/**
 * Commits `t` with its trailing writes; throws, the transaction still open, when any of them fails. On PostgreSQL
 * and MariaDB a BEGIN not sent yet goes in the same message; a transaction that sent nothing commits nothing. There
 * the same message also reads the primary's log position after the commit (positions.ts), which it answers: the
 * consistency token of the change (services/consistency.ts), at the cost of no round trip of its own; only with
 * `position` (a server with read replicas): the statement is not free (docs/benchmarks.md).
 */
export async function commit(
  sequelize: Sequelize,
  dialect: Dialect,
  t: Transaction,
  position: boolean,
): Promise<Position | undefined> {
  const writes = trailing.get(t) ?? [];
  trailing.delete(t);
  const connection = connectionOf(t);
  const log = loggingOf(sequelize);
  if (dialect === 'sqlite') {
    // In the process, no round trip to save: each statement on its own, then Sequelize's COMMIT.
    for (const w of writes) {
      log?.(`Executing (${transactionIdOf(t)}): ${w.sql}`);
      await runStatement(connection, w.sql, w.params.map(sqliteValue));
    }
    await t.commit();
    return undefined;
  }
  const begin = takeBegin(t);
  if (writes.length === 0 && (begin || !position)) {
    if (begin) finishCommitted(t);
    else await t.commit();
    return undefined;
  }
  const first = begin ? [dialect === 'postgres' ? 'BEGIN' : 'START TRANSACTION'] : [];
  const last = position ? ['COMMIT', PRIMARY_POSITION_SQL[dialect]] : ['COMMIT'];
  let results: unknown[];
  if (dialect === 'postgres') {
    const client = connection as PgClient;
    const texts = writes.map((w) => pgInlined(client, w.sql, w.params));
    if (texts.includes(undefined)) throw new Error('commit.ts: a trailing write holds a value with no SQL literal');
    const text = [...first, ...texts, ...last].join(';\n');
    log?.(`Executing (${transactionIdOf(t)}): ${text}`);
    results = ((await client.query(text)) as { rows: unknown[] }[]).map((r) => r.rows);
  } else {
    const sql = [...first, ...writes.map((w) => w.sql), ...last].join(';\n');
    log?.(`Executing (${transactionIdOf(t)}): ${sql}`);
    results = (await (connection as MariaConnection).query(
      sql,
      writes.flatMap((w) => w.params),
    )) as unknown[];
  }
  finishCommitted(t);
  if (!position) return undefined;
  const [row] = results.at(-1) as { position?: unknown }[];
  return parsePosition(dialect, row?.position);
}
