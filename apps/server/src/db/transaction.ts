import { type Sequelize, Transaction } from 'sequelize';
import { concurrencyLimit } from '../concurrency.js';
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
  const parent = (err as { parent?: { code?: string; errno?: number } })?.parent;
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

const sqliteWriters = new WeakMap<Sequelize, ReturnType<typeof concurrencyLimit>>();

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
export async function inTransaction<T>(sequelize: Sequelize, work: (uow: UnitOfWork) => Promise<T>): Promise<T> {
  const sqlite = sequelize.getDialect() === 'sqlite';
  const once = () =>
    sequelize.transaction({ type: sqlite ? Transaction.TYPES.IMMEDIATE : undefined }, (t) =>
      work(t as unknown as UnitOfWork),
    );
  const attempt = async (): Promise<T> => {
    for (let n = 1; ; n++) {
      try {
        return await once();
      } catch (err) {
        if (n >= MAX_ATTEMPTS || !isRetryable(err)) throw err;
        await new Promise((r) => setTimeout(r, 5 * n + Math.random() * 20));
      }
    }
  };
  if (!sqlite) return attempt();
  let oneAtATime = sqliteWriters.get(sequelize);
  if (!oneAtATime) {
    oneAtATime = concurrencyLimit(1);
    sqliteWriters.set(sequelize, oneAtATime);
  }
  return oneAtATime(() => inWriteTurn(attempt));
}
