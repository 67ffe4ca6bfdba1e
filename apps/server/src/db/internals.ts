import { type Sequelize, Transaction } from 'sequelize';

/*
 * Every use of Sequelize's non-public parts, in one place. The hot reads go straight to the driver on connections
 * from Sequelize's own pools (reads.ts), and SQLite's write transactions share one long-lived connection
 * (shareWriterConnection below); both need what Sequelize 6 does not document. `checkInternals` verifies each
 * assumption when a database is opened, and fails loudly, naming it, if an upgrade has changed it
 * (test/db-internals.test.ts runs it on every database).
 */

interface ConnectionManager {
  getConnection(options?: { type?: string; uuid?: string; useMaster?: boolean }): Promise<unknown>;
  releaseConnection(connection: unknown, force?: boolean): unknown;
  destroyConnection(connection: unknown): Promise<void>;
  _onProcessExit(): Promise<void>;
  /** SQLite only: the open connections, by transaction id or `default`. */
  connections?: Record<string, unknown>;
}

const managerOf = (sequelize: Sequelize) =>
  (sequelize as unknown as { connectionManager: ConnectionManager }).connectionManager;

/** A connection from Sequelize's pool for a read (a replica when routeSelects says so), given back with `release`. */
export const acquireReadConnection = (sequelize: Sequelize, primary = false) =>
  managerOf(sequelize).getConnection({ type: 'SELECT', useMaster: primary });
export const releaseConnection = (sequelize: Sequelize, connection: unknown) =>
  managerOf(sequelize).releaseConnection(connection);

/** Where routeSelects sends a read: a replica (with its own Sequelize instance and pool), or undefined. */
export interface SelectRouter<R extends { sequelize: Sequelize }> {
  pick(): Promise<R | undefined>;
  /** A read on `replica` failed: it is given again to the primary. */
  failed(replica: R, err: unknown): void;
  served(replica: R): void;
}

const replicaOfConnection = new WeakMap<object, { sequelize: Sequelize }>();

/** The replica a read connection came from (routeSelects), or undefined for the primary's. */
export const replicaOf = (connection: unknown) => replicaOfConnection.get(connection as object);

/**
 * Every read outside a transaction, Sequelize's own and reads.ts's alike, takes its connection here: from the pool
 * of the replica `router` picks, or from the primary's. A Sequelize read that fails on a replica runs once more on
 * the primary (reads.ts does the same for its own), so that a replica going away costs no request an error.
 */
export function routeSelects<R extends { sequelize: Sequelize }>(sequelize: Sequelize, router: SelectRouter<R>): void {
  const manager = managerOf(sequelize);
  const get = manager.getConnection.bind(manager);
  const release = manager.releaseConnection.bind(manager);
  manager.getConnection = async (options) => {
    if (options?.type !== 'SELECT' || options.uuid || options.useMaster) return get(options);
    const replica = await router.pick();
    if (!replica) return get(options);
    try {
      const connection = await managerOf(replica.sequelize).getConnection({ type: 'SELECT' });
      replicaOfConnection.set(connection as object, replica);
      router.served(replica);
      return connection;
    } catch (err) {
      router.failed(replica, err);
      return get(options);
    }
  };
  manager.releaseConnection = (connection, force) => {
    const replica = replicaOf(connection);
    return replica ? managerOf(replica.sequelize).releaseConnection(connection, force) : release(connection, force);
  };
  const query = sequelize.query.bind(sequelize) as (sql: unknown, options?: Record<string, unknown>) => unknown;
  (sequelize as unknown as { query: typeof query }).query = async (sql, options) => {
    const routable = options?.type === 'SELECT' && !options.transaction && !options.useMaster;
    const replica = routable ? await router.pick() : undefined;
    try {
      return await query(sql, options);
    } catch (err) {
      if (!replica) throw err;
      router.failed(replica as R, err);
      return query(sql, { ...options, useMaster: true });
    }
  };
}

/** The driver connection a transaction runs on, and its id (as Sequelize's log names it). */
export const connectionOf = (t: Transaction) => (t as unknown as { connection: unknown }).connection;
export const transactionIdOf = (t: Transaction) => (t as unknown as { id: string }).id;

/**
 * A transaction with its connection and no BEGIN sent (begin.ts sends it with the first statement): Sequelize's
 * own set-up, with its begin() left out.
 */
export async function transactionWithoutBegin(sequelize: Sequelize): Promise<Transaction> {
  const t = new Transaction(sequelize, {}) as unknown as {
    begin(): Promise<void>;
    prepareEnvironment(useCls: boolean): Promise<void>;
  };
  t.begin = async () => {};
  await t.prepareEnvironment(false);
  return t as unknown as Transaction;
}

/**
 * Records `t` as committed, as its own commit() does after sending COMMIT, for a COMMIT sent with other statements
 * (commit.ts): the connection goes back to the pool.
 */
export function finishCommitted(t: Transaction): void {
  const inside = t as unknown as { cleanup(): void; finished?: string };
  inside.cleanup();
  inside.finished = 'commit';
}

/** Sequelize's logging function, to log the statements sent around it as it logs its own. */
export function loggingOf(sequelize: Sequelize): ((sql: string) => void) | undefined {
  const { logging } = (sequelize as unknown as { options: { logging?: unknown } }).options;
  return typeof logging === 'function' ? (logging as (sql: string) => void) : undefined;
}

/**
 * Sequelize opens a new SQLite connection for every transaction and closes it after: about a millisecond, and each
 * write starts on a cold page cache. Write transactions already run one at a time in the process (transaction.ts),
 * so they all get one long-lived connection here instead; reads outside transactions keep the default connection.
 * A second transaction begun while one is open on it would fail at BEGIN, loudly.
 */
export function shareWriterConnection(sequelize: Sequelize): void {
  const manager = managerOf(sequelize);
  const connections = manager.connections!;
  const get = manager.getConnection.bind(manager);
  const release = manager.releaseConnection.bind(manager);
  const destroy = manager.destroyConnection.bind(manager);
  const WRITER = 'writer';
  const isWriter = (connection: unknown) => connection !== undefined && connections[WRITER] === connection;
  manager.getConnection = (options) =>
    options?.uuid && options.uuid !== 'default' ? get({ ...options, uuid: WRITER }) : get(options);
  manager.releaseConnection = (connection, force) => (isWriter(connection) ? undefined : release(connection, force));
  // Sequelize closes SQLite connections all at once; closing at the same moment, neither sees itself as the
  // last, and the WAL file stays behind. The writer closes first, so the last one merges and removes it.
  const closeAll = manager._onProcessExit.bind(manager);
  manager._onProcessExit = async () => {
    const writer = connections[WRITER] as { close(cb: () => void): void } | undefined;
    delete connections[WRITER];
    if (writer) await new Promise<void>((resolve) => writer.close(() => resolve()));
    return closeAll();
  };
  // After a failed rollback Sequelize destroys the connection: the next transaction opens a fresh one.
  manager.destroyConnection = async (connection) => {
    if (!isWriter(connection)) return destroy(connection);
    delete connections[WRITER];
    (connection as { close(cb?: () => void): void }).close();
  };
}

/** What this module assumes of Sequelize's insides, checked on an open instance; throws naming what changed. */
export function checkInternals(sequelize: Sequelize): void {
  const manager = managerOf(sequelize) as unknown as Record<string, unknown> | undefined;
  const assume = (ok: boolean, assumption: string) => {
    if (!ok)
      throw new Error(`Sequelize ${sequelize.getDialect()} no longer works as db/internals.ts assumes: ${assumption}`);
  };
  assume(typeof manager === 'object' && manager !== null, 'sequelize.connectionManager is an object');
  for (const method of ['getConnection', 'releaseConnection', 'destroyConnection', '_onProcessExit']) {
    assume(typeof manager?.[method] === 'function', `connectionManager.${method} is a function`);
  }
  if (sequelize.getDialect() === 'sqlite') {
    assume(typeof manager?.connections === 'object', 'the SQLite connectionManager keeps its connections by id');
  }
  const options = (sequelize as unknown as { options?: Record<string, unknown> }).options;
  assume(typeof options === 'object' && 'logging' in options, 'sequelize.options.logging exists');
}

/** Checked inside a transaction: it carries its driver connection and its id, and can clean up after a commit. */
export function checkTransactionInternals(t: Transaction): void {
  const fail = (assumption: string) => {
    throw new Error(`Sequelize no longer works as db/internals.ts assumes: ${assumption}`);
  };
  if (!connectionOf(t)) fail('transaction.connection');
  if (typeof transactionIdOf(t) !== 'string') fail('transaction.id is a string');
  if (typeof (t as unknown as { cleanup?: unknown }).cleanup !== 'function') fail('transaction.cleanup()');
}
