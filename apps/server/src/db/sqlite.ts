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
