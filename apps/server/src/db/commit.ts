import type { Sequelize, Transaction } from 'sequelize';
import type { Dialect } from './connection.js';
import { connectionOf, finishCommitted, loggingOf, transactionIdOf } from './internals.js';
import { sqliteValue } from './reads.js';
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

interface PgClient {
  query(text: string): Promise<unknown>;
  /** node-postgres's quoting of a string literal. */
  escapeLiteral(s: string): string;
}

/** A value written into PostgreSQL's text as a literal: several statements go by the simple protocol, unbound. */
function pgLiteral(client: PgClient, v: unknown): string {
  if (v === null || v === undefined) return 'NULL';
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  if (typeof v === 'boolean') return v ? 'TRUE' : 'FALSE';
  if (v instanceof Date) return `'${v.toISOString()}'`;
  return client.escapeLiteral(String(v));
}

/** The texts hold no values (as in reads.ts), so every `?` is a parameter. */
const inlined = (client: PgClient, { sql, params }: Trailing) => {
  let i = 0;
  return sql.replace(/\?/g, () => pgLiteral(client, params[i++]));
};
interface MariaConnection {
  query(sql: string, values: readonly unknown[]): Promise<unknown>;
}
interface SqliteConnection {
  run(sql: string, params: unknown[], callback: (err: Error | null) => void): void;
}

/** Commits `t` with its trailing writes; throws, the transaction still open, when any of them fails. */
export async function commit(sequelize: Sequelize, dialect: Dialect, t: Transaction): Promise<void> {
  const writes = trailing.get(t) ?? [];
  trailing.delete(t);
  if (writes.length === 0) return t.commit();
  const connection = connectionOf(t);
  const log = loggingOf(sequelize);
  if (dialect === 'sqlite') {
    // In the process, no round trip to save: each statement on its own, then Sequelize's COMMIT.
    for (const w of writes) {
      log?.(`Executing (${transactionIdOf(t)}): ${w.sql}`);
      await new Promise<void>((resolve, reject) =>
        (connection as SqliteConnection).run(w.sql, w.params.map(sqliteValue), (err) =>
          err ? reject(err) : resolve(),
        ),
      );
    }
    return t.commit();
  }
  if (dialect === 'postgres') {
    const client = connection as PgClient;
    const text = `${writes.map((w) => inlined(client, w)).join(';\n')};\nCOMMIT`;
    log?.(`Executing (${transactionIdOf(t)}): ${text}`);
    await client.query(text);
  } else {
    const sql = `${writes.map((w) => w.sql).join(';\n')};\nCOMMIT`;
    log?.(`Executing (${transactionIdOf(t)}): ${sql}`);
    await (connection as MariaConnection).query(
      sql,
      writes.flatMap((w) => w.params),
    );
  }
  finishCommitted(t);
}
