import sqlite3 from 'sqlite3';

/** How long a writer waits for SQLite's write lock before giving up with SQLITE_BUSY. */
const BUSY_TIMEOUT_MS = 10_000;

/**
 * Sequelize reads `PRAGMA table_info(…)` of every table of a SELECT before running it (to parse the answer's
 * dates and booleans): two or three extra round trips through libuv's thread pool for each read, more than
 * the query itself costs. The answers are kept here, per file, and forgotten whenever any connection of the
 * process changes a schema (ALTER, CREATE, DROP: the migrations).
 */
const TABLE_INFO = /^PRAGMA table_info\(`[^`]*`\)$/;
const SCHEMA_CHANGE = /^\s*(ALTER|CREATE|DROP)\b/i;
const tableInfo = new Map<string, unknown[]>();

type Callback = (this: unknown, err: Error | null, rows?: unknown) => void;

/**
 * sqlite3, as handed to Sequelize, with every connection set up for concurrent use. Sequelize opens one
 * connection per transaction and offers no hook after it connects, so the setup lives in the constructor:
 * a busy timeout (wait for the lock instead of failing), foreign keys, and NORMAL sync (safe with WAL).
 */
class Database extends sqlite3.Database {
  private readonly file: string;

  constructor(filename: string, mode: number, callback: (err: Error | null) => void) {
    super(filename, mode, (err: Error | null) => {
      if (err) return callback(err);
      this.configure('busyTimeout', BUSY_TIMEOUT_MS);
      this.exec('PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;', callback);
    });
    this.file = filename;
  }

  // biome-ignore lint/suspicious/noExplicitAny: sqlite3's overloads
  override all(sql: string, ...rest: any[]): this {
    const callback = rest[rest.length - 1] as Callback | undefined;
    if (typeof callback === 'function' && TABLE_INFO.test(sql) && this.file !== ':memory:') {
      const key = `${this.file}\u0000${sql}`;
      const cached = tableInfo.get(key);
      if (cached) {
        process.nextTick(() =>
          callback.call(
            this,
            null,
            cached.map((r) => ({ ...(r as object) })),
          ),
        );
        return this;
      }
      return super.all(sql, ...rest.slice(0, -1), function (this: unknown, err: Error | null, rows?: unknown[]) {
        if (!err && rows && rows.length > 0) tableInfo.set(key, rows);
        callback.call(this, err, rows);
      });
    }
    if (SCHEMA_CHANGE.test(sql)) tableInfo.clear();
    return super.all(sql, ...rest);
  }

  // biome-ignore lint/suspicious/noExplicitAny: sqlite3's overloads
  override run(sql: string, ...rest: any[]): this {
    if (SCHEMA_CHANGE.test(sql)) tableInfo.clear();
    return super.run(sql, ...rest);
  }

  override exec(sql: string, callback?: (err: Error | null) => void): this {
    if (SCHEMA_CHANGE.test(sql)) tableInfo.clear();
    return super.exec(sql, callback);
  }
}

export const sqliteModule = Object.create(sqlite3, { Database: { value: Database } }) as typeof sqlite3;

interface SqliteConnectionManager {
  connections: Record<string, unknown>;
  getConnection(options?: { uuid?: string }): Promise<unknown>;
  releaseConnection(connection: unknown, force?: boolean): unknown;
  destroyConnection(connection: unknown): Promise<void>;
  _onProcessExit(): Promise<void>;
}

/**
 * Sequelize opens a new SQLite connection for every transaction and closes it after: about a millisecond,
 * and each write starts on a cold page cache. Write transactions already run one at a time in this process
 * (transaction.ts), so they all get one long-lived connection here instead; reads outside transactions keep
 * the default connection. A second transaction begun while one is open on it would fail at BEGIN, loudly.
 */
export function shareWriterConnection(sequelize: unknown): void {
  const manager = (sequelize as { connectionManager: SqliteConnectionManager }).connectionManager;
  const get = manager.getConnection.bind(manager);
  const release = manager.releaseConnection.bind(manager);
  const destroy = manager.destroyConnection.bind(manager);
  const WRITER = 'writer';
  const isWriter = (connection: unknown) => connection !== undefined && manager.connections[WRITER] === connection;
  manager.getConnection = (options) =>
    options?.uuid && options.uuid !== 'default' ? get({ ...options, uuid: WRITER }) : get(options);
  manager.releaseConnection = (connection, force) => (isWriter(connection) ? undefined : release(connection, force));
  // Sequelize closes SQLite connections all at once; closing at the same moment, neither sees itself as the
  // last, and the WAL file stays behind. The writer closes first, so the last one merges and removes it.
  const closeAll = manager._onProcessExit.bind(manager);
  manager._onProcessExit = async () => {
    const writer = manager.connections[WRITER] as { close(cb: () => void): void } | undefined;
    delete manager.connections[WRITER];
    if (writer) await new Promise<void>((resolve) => writer.close(() => resolve()));
    return closeAll();
  };
  // After a failed rollback Sequelize destroys the connection: the next transaction opens a fresh one.
  manager.destroyConnection = async (connection) => {
    if (!isWriter(connection)) return destroy(connection);
    delete manager.connections[WRITER];
    (connection as { close(cb?: () => void): void }).close();
  };
}
