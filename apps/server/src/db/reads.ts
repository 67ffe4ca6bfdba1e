import { createHash } from 'node:crypto';
import type { Sequelize, Transaction } from 'sequelize';
import { type PgClient, pgInlined, sendBegin, takeBegin } from './begin.js';
import type { Dialect } from './connection.js';
import {
  acquireReadConnection,
  connectionOf,
  loggingOf,
  releaseConnection,
  replicaOf,
  transactionIdOf,
} from './internals.js';
import { asTransaction, type UnitOfWork } from './transaction.js';

/**
 * The hot reads' path to the database: one SQL text (with `?` placeholders) and its parameters go straight to the
 * driver, and plain rows come back, without Sequelize's query building and model hydration. Connections still come
 * from Sequelize's pools (so reads use the replicas when configured), and every statement is logged as Sequelize
 * logs its own (DATABASE_LOGGING, the SQL-count test). The Sequelize internals this needs are in internals.ts.
 *
 * Statements are prepared once per connection: SQLite's connections keep theirs (sqlite.ts), PostgreSQL's are named. The SQL
 * texts are built from a bounded set of variants (filters × orderings), never from input values.
 */
export interface Reader {
  select<T = Row>(sql: string, params: readonly unknown[]): Promise<T[]>;
  /**
   * A read inside a write's unit of work, on its connection (the checks and row locks of the writes). Not named on
   * PostgreSQL: the texts vary with the lengths of their lists, and the connection may be replaced after a failure.
   */
  selectIn<T = Row>(uow: UnitOfWork, sql: string, params: readonly unknown[]): Promise<T[]>;
}

export type Row = Record<string, unknown>;

interface SqliteConnection {
  all(sql: string, params: readonly unknown[], callback: (err: Error | null, rows: Row[]) => void): void;
}
interface MariaConnection {
  query(sql: string, values: readonly unknown[]): Promise<Row[]>;
}

type Log = ((sql: string, on?: string) => void) | undefined;

/** Told of a read that failed on a replica (which then runs again on the primary). */
export type ReplicaError = (replica: { sequelize: Sequelize }, err: unknown) => void;

export function reader(sequelize: Sequelize, dialect: Dialect, replicaError: ReplicaError = () => {}): Reader {
  const logging = loggingOf(sequelize);
  const log: Log = logging && ((sql, on = 'default') => logging(`Executing (${on}): ${sql}`));
  return dialect === 'sqlite' ? sqliteReader(sequelize, log) : serverReader(sequelize, dialect, log, replicaError);
}

const all = <T>(run: (callback: (err: Error | null, rows: Row[]) => void) => void) =>
  new Promise<T[]>((resolve, reject) => run((err, rows) => (err ? reject(err) : resolve(rows as T[]))));

function sqliteReader(sequelize: Sequelize, log: Log): Reader {
  // Each connection keeps its statements prepared (sqlite.ts).
  return {
    async select<T>(sql: string, params: readonly unknown[]) {
      log?.(sql);
      // The default connection: SQLite's readers do not wait for its writer (WAL); transactions have their own.
      const connection = (await acquireReadConnection(sequelize)) as SqliteConnection;
      return all<T>((done) => connection.all(sql, params.map(sqliteValue), done));
    },
    selectIn<T>(uow: UnitOfWork, sql: string, params: readonly unknown[]) {
      const t = asTransaction(uow);
      log?.(sql, transactionIdOf(t));
      const connection = connectionOf(t) as SqliteConnection;
      return all<T>((done) => connection.all(sql, params.map(sqliteValue), done));
    },
  };
}

/** PostgreSQL numbers its placeholders; the texts hold no values, so every `?` is one. */
const pgText = (sql: string) => {
  let i = 0;
  return sql.replace(/\?/g, () => `$${++i}`);
};

function serverReader(sequelize: Sequelize, dialect: Dialect, log: Log, replicaError: ReplicaError): Reader {
  const named = new Map<string, { name: string; text: string }>();
  const pgStatement = (sql: string) => {
    let s = named.get(sql);
    if (!s) {
      const text = pgText(sql);
      s = { name: `ccm_${createHash('sha1').update(text).digest('base64url').slice(0, 20)}`, text };
      named.set(sql, s);
    }
    return s;
  };
  // Prepared (named) only for the reads' bounded set of texts; the transactions' texts vary with list lengths.
  const run = async <T>(connection: unknown, sql: string, params: readonly unknown[], prepared: boolean) => {
    if (dialect === 'postgres') {
      const query = prepared ? { ...pgStatement(sql), values: params } : { text: pgText(sql), values: params };
      return (await (connection as PgClient).query(query)).rows as T[];
    }
    // The connector's answer is an array with a `meta` property: copy out the rows alone.
    return [...(await (connection as MariaConnection).query(sql, params))] as T[];
  };
  /** A transaction's first statement, with its BEGIN in the same message (begin.ts). */
  const withBegin = async <T>(t: Transaction, sql: string, params: readonly unknown[]): Promise<T[]> => {
    const connection = connectionOf(t);
    const inlined = dialect === 'postgres' ? pgInlined(connection as PgClient, sql, params) : sql;
    if (inlined === undefined) {
      // A value with no literal: BEGIN alone, queued before the statement.
      const begun = sendBegin(sequelize, t);
      log?.(sql, transactionIdOf(t));
      const rows = run<T>(connection, sql, params, false);
      await begun;
      return rows;
    }
    const text = `${dialect === 'postgres' ? 'BEGIN' : 'START TRANSACTION'};\n${inlined}`;
    log?.(text, transactionIdOf(t));
    // Each driver answers a message of several statements with one result per statement: the rows are the last's.
    if (dialect === 'postgres') {
      const results = (await (connection as PgClient).query(text)) as { rows: T[] }[];
      return results.at(-1)!.rows;
    }
    const results = (await (connection as MariaConnection).query(text, params)) as unknown as T[][];
    return [...results.at(-1)!];
  };
  return {
    async select<T>(sql: string, params: readonly unknown[]) {
      log?.(sql);
      const attempt = async (primaryOnly: boolean) => {
        const connection = await acquireReadConnection(sequelize, primaryOnly);
        try {
          return { rows: await run<T>(connection, sql, params, true) };
        } catch (err) {
          const replica = replicaOf(connection);
          if (!replica) throw err;
          replicaError(replica, err);
          return undefined;
        } finally {
          await releaseConnection(sequelize, connection);
        }
      };
      // A read that fails on a replica runs again on the primary.
      const done = await attempt(false);
      return done ? done.rows : (await attempt(true))!.rows;
    },
    selectIn<T>(uow: UnitOfWork, sql: string, params: readonly unknown[]) {
      const t = asTransaction(uow);
      if (takeBegin(t)) return withBegin<T>(t, sql, params);
      log?.(sql, transactionIdOf(t));
      return run<T>(connectionOf(t), sql, params, false);
    },
  };
}

/** sqlite3 binds `true` as 1 already; dates as Sequelize stores them (UTC text) so comparisons hold. */
export function sqliteValue(v: unknown) {
  return v instanceof Date ? `${v.toISOString().replace('T', ' ').replace('Z', '')} +00:00` : v;
}

/**
 * ` OFFSET ?` past the first page, nothing on it (with offsetParams, its value): PostgreSQL plans a prepared statement
 * with `OFFSET $n` anew on every run (its generic plan, the offset unknown, looks dearer than a custom one: 0.6–0.8 ms
 * for a page of contacts), and keeps its plan for one without.
 */
export const offsetSql = (offset: number) => (offset > 0 ? ' OFFSET ?' : '');
export const offsetParams = (offset: number) => (offset > 0 ? [offset] : []);

/**
 * `LIMIT n` written into the SQL: SQLite 3.44 plans a bound `LIMIT ?` in a subquery as if there were no limit,
 * and sorts the whole table. Page sizes are a handful of integers, so the statement texts stay few.
 */
export function limitSql(limit: number): string {
  if (!Number.isSafeInteger(limit) || limit < 0) throw new Error(`LIMIT must be a non-negative integer: ${limit}`);
  return `LIMIT ${limit}`;
}

/**
 * Ids are INTEGER columns: a larger id names no row, and PostgreSQL refuses to compare a parameter out of the
 * column's range (Sequelize's own queries inline the number, so the comparison widens there).
 */
const INT_MAX = 2_147_483_647;
export const fitsId = (id: number) => id <= INT_MAX;

// Column values as each driver returns them, to JavaScript values.

/** SQLite and MariaDB give 0/1, PostgreSQL a boolean. */
export const asBoolean = (v: unknown): boolean => v === true || v === 1 || v === '1';

/** PostgreSQL and MariaDB give numbers or, for BIGINT/COUNT, strings. */
export const asNumber = (v: unknown): number => (typeof v === 'number' ? v : Number(v));

const SQLITE_UTC = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d(?:\.\d+)?) \+00:00$/;

/** PostgreSQL and MariaDB give Dates; SQLite the text Sequelize wrote (`2026-11-25 20:08:26.123 +00:00`). */
export function asDate(v: unknown): Date {
  if (v instanceof Date) return v;
  const s = String(v);
  const utc = SQLITE_UTC.exec(s);
  return new Date(utc ? `${utc[1]}T${utc[2]}Z` : s);
}
