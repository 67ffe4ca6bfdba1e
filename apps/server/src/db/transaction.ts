import { AsyncLocalStorage } from 'node:async_hooks';
import { type Sequelize, Transaction } from 'sequelize';
import { concurrencyLimit } from '../concurrency.js';
import { deferBegin } from './begin.js';
import { commit } from './commit.js';
import type { Dialect } from './connection.js';
import { checkTransactionInternals, transactionWithoutBegin } from './internals.js';
import type { Position } from './positions.js';
import { inWriteTurn } from './write-turns.js';

const MAX_ATTEMPTS = 4;

declare const unitOfWork: unique symbol;
/**
 * A transaction as the services hold it: something to hand back to the store's repositories, and nothing else.
 * Only the data layer knows it is Sequelize's Transaction.
 */
export type UnitOfWork = { readonly [unitOfWork]: true };

/** The Sequelize transaction behind a unit of work (data layer only). */
export const asTransaction = (uow: UnitOfWork) => uow as unknown as Transaction;

/** Errors after which the whole transaction can simply run again. */
function isRetryable(err: unknown): boolean {
  // Sequelize wraps the driver's error; a COMMIT sent with its trailing writes (commit.ts) fails with it bare.
  const bare = err as { parent?: { code?: string; errno?: number }; code?: string; errno?: number } | undefined;
  const parent = bare?.parent ?? bare;
  const code = parent?.code;
  return (
    code === 'SQLITE_BUSY' ||
    code === '40001' || // PostgreSQL serialization failure
    code === '40P01' || // PostgreSQL deadlock
    code === 'ER_LOCK_DEADLOCK' ||
    code === 'ER_LOCK_WAIT_TIMEOUT' ||
    parent?.errno === 1213
  );
}

/**
 * Work to do in the first transaction a call commits: first thing after it begins (an idempotent request claims
 * its key), and after its work, before its commit (the request's answer is stored), so that a change and its
 * answer commit together or not at all (services/idempotency.ts). `committed` holds what that transaction
 * answered, once it has committed.
 */
export interface CommitHook {
  afterBegin(uow: UnitOfWork): Promise<void>;
  beforeCommit(uow: UnitOfWork, value: unknown): Promise<void>;
  committed?: { value: unknown };
}

const commitHooks = new AsyncLocalStorage<CommitHook>();

/** Runs `call` with `hook` for the first transaction it commits. */
export const withCommitHook = <T>(hook: CommitHook, call: () => Promise<T>): Promise<T> => commitHooks.run(hook, call);

/** Whether the current call's next transaction carries a commit hook (its work must then commit alone). */
export const hasCommitHook = (): boolean => {
  const hook = commitHooks.getStore();
  return hook !== undefined && !hook.committed;
};

/**
 * Told of every commit: the primary's log position after it (none on SQLite) and when the COMMIT was sent, so
 * that every commit finished before that time is at or before the position (db/replicas.ts, db/routing.ts). Only
 * given with read replicas: without one, the position is not read.
 */
export type OnCommit = (position: Position | undefined, sentAt: number) => void;

const sqliteWriters = new WeakMap<Sequelize, ReturnType<typeof concurrencyLimit>>();
const checked = new WeakSet<Sequelize>();

/** One transaction: begun, worked in, and committed with its trailing writes (commit.ts), or rolled back. */
async function once<T>(
  sequelize: Sequelize,
  hook: CommitHook | undefined,
  work: (uow: UnitOfWork) => Promise<T>,
  onCommit: OnCommit | undefined,
): Promise<T> {
  const dialect = sequelize.getDialect() as Dialect;
  const t =
    dialect === 'sqlite'
      ? await sequelize.transaction({ type: Transaction.TYPES.IMMEDIATE })
      : deferBegin(await transactionWithoutBegin(sequelize));
  if (!checked.has(sequelize)) {
    checkTransactionInternals(t);
    checked.add(sequelize);
  }
  const uow = t as unknown as UnitOfWork;
  try {
    await hook?.afterBegin(uow);
    const value = await work(uow);
    await hook?.beforeCommit(uow, value);
    const sentAt = Date.now();
    const position = await commit(sequelize, dialect, t, onCommit !== undefined);
    onCommit?.(position, sentAt);
    return value;
  } catch (err) {
    // Sequelize's own commit() that fails has already given the connection up.
    if (!(t as unknown as { finished?: string }).finished) await t.rollback().catch(() => {});
    throw err;
  }
}

/**
 * Runs `work` in one transaction and commits it, or rolls everything back; deadlocks and serialization
 * failures are retried a bounded number of times.
 *
 * SQLite has one writer at a time. Its write transactions queue here, in the process, rather than in
 * SQLite's busy handler: node-sqlite3 waits for a lock on a libuv pool thread, and a few writers waiting
 * there would starve the writer that holds the lock. The transaction also takes the lock at BEGIN
 * (IMMEDIATE), so a writer from another process waits instead of deadlocking on a lock upgrade. The cluster's
 * workers take their turns from the primary (write-turns.ts); other processes still meet in the busy handler.
 */
export async function inTransaction<T>(
  sequelize: Sequelize,
  work: (uow: UnitOfWork) => Promise<T>,
  onCommit?: OnCommit,
): Promise<T> {
  const sqlite = sequelize.getDialect() === 'sqlite';
  const current = commitHooks.getStore();
  const hook = current && !current.committed ? current : undefined;
  const attempt = async (): Promise<T> => {
    for (let n = 1; ; n++) {
      try {
        return await once(sequelize, hook, work, onCommit);
      } catch (err) {
        if (n >= MAX_ATTEMPTS || !isRetryable(err)) throw err;
        await new Promise((r) => setTimeout(r, 5 * n + Math.random() * 20));
      }
    }
  };
  const committed = (value: T) => {
    if (hook) hook.committed = { value };
    return value;
  };
  if (!sqlite) return attempt().then(committed);
  let oneAtATime = sqliteWriters.get(sequelize);
  if (!oneAtATime) {
    oneAtATime = concurrencyLimit(1);
    sqliteWriters.set(sequelize, oneAtATime);
  }
  return oneAtATime(() => inWriteTurn(attempt)).then(committed);
}
