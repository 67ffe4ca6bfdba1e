import type { Sequelize, Transaction } from 'sequelize';
import { connectionOf, loggingOf, transactionIdOf } from './internals.js';

/*
 * On PostgreSQL and MariaDB a transaction's BEGIN is not a message of its own: it goes with the transaction's first
 * statement (`BEGIN; SELECT … FOR UPDATE`), as its trailing writes go with its COMMIT (commit.ts). Each message
 * costs a round trip and a socket write on both sides (docs/benchmarks.md). Whatever sends the first statement
 * takes the BEGIN, synchronously, before any other statement of the transaction is queued on its connection (the
 * drivers send a connection's statements in order).
 */

const pending = new WeakSet<Transaction>();

/** `t` has a connection but no BEGIN yet: its first statement will carry it. Answers `t`. */
export function deferBegin(t: Transaction): Transaction {
  pending.add(t);
  return t;
}

/** Whether the caller must send `t`'s BEGIN before (or with) its statement; true once per transaction. */
export const takeBegin = (t: Transaction) => pending.delete(t);

export interface PgClient {
  query(text: string): Promise<unknown>;
  query(q: { name?: string; text: string; values: readonly unknown[] }): Promise<{ rows: unknown[] }>;
  /** node-postgres's quoting of a string literal. */
  escapeLiteral(s: string): string;
}

/**
 * A scalar as a PostgreSQL literal, for the several statements of one simple-protocol message (which takes no
 * parameters); undefined for a value that has none (the caller then binds it in a statement of its own).
 */
export function pgLiteral(client: PgClient, v: unknown): string | undefined {
  if (v === null || v === undefined) return 'NULL';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : undefined;
  if (typeof v === 'bigint') return String(v);
  if (typeof v === 'boolean') return v ? 'TRUE' : 'FALSE';
  if (v instanceof Date) return `'${v.toISOString()}'`;
  if (typeof v === 'string') return client.escapeLiteral(v);
  return undefined;
}

/** The text with its `?` placeholders replaced by literals, or undefined when a value has no literal. */
export function pgInlined(client: PgClient, sql: string, params: readonly unknown[]): string | undefined {
  const literals = params.map((p) => pgLiteral(client, p));
  if (literals.some((l) => l === undefined)) return undefined;
  let i = 0;
  return sql.replace(/\?/g, () => literals[i++]!);
}

/** Sends `t`'s BEGIN alone (for a statement that cannot carry it: Sequelize's own, or one with a bound list). */
export async function sendBegin(sequelize: Sequelize, t: Transaction): Promise<void> {
  const text = sequelize.getDialect() === 'postgres' ? 'BEGIN' : 'START TRANSACTION';
  loggingOf(sequelize)?.(`Executing (${transactionIdOf(t)}): ${text}`);
  await (connectionOf(t) as { query(sql: string): Promise<unknown> }).query(text);
}

/** Sequelize's statements in a transaction whose BEGIN is still to be sent send it first. */
export function beginBeforeSequelizeQueries(sequelize: Sequelize): void {
  sequelize.addHook('beforeQuery', async (options: { transaction?: Transaction | null }) => {
    const t = options.transaction;
    if (t && takeBegin(t)) await sendBegin(sequelize, t);
  });
}
