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
 * node-sqlite3's Database#all and #run prepare a statement, run it and finalize it: three trips through libuv's
 * thread pool, where a statement kept prepared takes one (about 170 µs against 60 on the benchmark machine: a
 * write transaction's six statements went from ~2.5 ms to ~1 ms; docs/benchmarks.md). Each connection keeps its
 * most recent statements, from the second time a text is run: a text with its values written in never comes back,
 * and letting one go (finalize) waits on the event loop for the connection's lock. `all` reads to the end, so a
 * kept statement holds no read lock between uses; `run` steps once, so only statements that answer no row are
 * kept for it.
 */
const KEPT_STATEMENTS = 128;
/** How many texts run once are remembered, to be kept when they come again. */
const SEEN_TEXTS = 1024;
const RUN_KEEPABLE = /^\s*(INSERT|UPDATE|DELETE|REPLACE|BEGIN|COMMIT|END|ROLLBACK|SAVEPOINT|RELEASE)\b/i;
const RETURNING = /\bRETURNING\b/i;

/** The Statement constructor, whose callback hears of the prepare's success too (Database#prepare's only of failure). */
const Statement = sqlite3.Statement as unknown as new (
  db: sqlite3.Database,
  sql: string,
  prepared: (err: Error | null) => void,
) => sqlite3.Statement;

interface Kept {
  statement: sqlite3.Statement;
  /** Prepared: until then, other callers of the same text go the uncached way (a failed prepare drops its queue). */
  ready: boolean;
}

/**
 * sqlite3, as handed to Sequelize, with every connection set up for concurrent use. Sequelize opens one
 * connection per transaction and offers no hook after it connects, so the setup lives in the constructor:
 * a busy timeout (wait for the lock instead of failing), foreign keys, and NORMAL sync (safe with WAL).
 */
class Database extends sqlite3.Database {
  private readonly file: string;
  private readonly kept = new Map<string, Kept>();
  private readonly seen = new Set<string>();

  constructor(filename: string, mode: number, callback: (err: Error | null) => void) {
    super(filename, mode, (err: Error | null) => {
      if (err) return callback(err);
      this.configure('busyTimeout', BUSY_TIMEOUT_MS);
      this.exec('PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;', callback);
    });
    this.file = filename;
  }

  /** Runs `sql` on a kept statement; false when it is not one to keep (the caller goes the usual way). */
  private runKept(method: 'all' | 'run', sql: string, params: unknown, callback: Callback): boolean {
    const found = this.kept.get(sql);
    if (found) {
      if (!found.ready) return false;
      this.kept.delete(sql);
      this.kept.set(sql, found);
      found.statement[method](params, callback);
      return true;
    }
    if (method === 'run' && (!RUN_KEEPABLE.test(sql) || RETURNING.test(sql))) return false;
    if (!this.seen.has(sql)) {
      if (this.seen.size >= SEEN_TEXTS) this.seen.clear();
      this.seen.add(sql);
      return false;
    }
    this.seen.delete(sql);
    const entry: Kept = {
      ready: false,
      statement: new Statement(this, sql, (err: Error | null) => {
        if (err) {
          if (this.kept.get(sql) === entry) this.kept.delete(sql);
          return callback.call(entry.statement, err);
        }
        entry.ready = true;
        entry.statement[method](params, callback);
      }),
    };
    this.kept.set(sql, entry);
    if (this.kept.size > KEPT_STATEMENTS) {
      const [oldest, evicted] = this.kept.entries().next().value as [string, Kept];
      this.kept.delete(oldest);
      // Queued behind the statement's own work: a use in flight completes first.
      evicted.statement.finalize();
    }
    return true;
  }

  /** The schema changed: kept statements would be prepared again by SQLite anyway; they are let go. */
  private forget(): void {
    tableInfo.clear();
    for (const { statement } of this.kept.values()) statement.finalize();
    this.kept.clear();
  }

  // biome-ignore lint/suspicious/noExplicitAny: sqlite3's overloads
  override all(sql: string, ...rest: any[]): this {
    const callback = rest[rest.length - 1] as Callback | undefined;
    if (typeof callback !== 'function') return super.all(sql, ...rest);
    if (SCHEMA_CHANGE.test(sql)) this.forget();
    if (TABLE_INFO.test(sql) && this.file !== ':memory:') {
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
    if (rest.length === 2 && this.runKept('all', sql, rest[0], callback)) return this;
    return super.all(sql, ...rest);
  }

  // biome-ignore lint/suspicious/noExplicitAny: sqlite3's overloads
  override run(sql: string, ...rest: any[]): this {
    if (SCHEMA_CHANGE.test(sql)) this.forget();
    const callback = rest[rest.length - 1] as Callback | undefined;
    if (typeof callback === 'function' && rest.length === 2 && this.runKept('run', sql, rest[0], callback)) return this;
    return super.run(sql, ...rest);
  }

  override exec(sql: string, callback?: (err: Error | null) => void): this {
    if (SCHEMA_CHANGE.test(sql)) this.forget();
    return super.exec(sql, callback);
  }

  /** SQLite refuses to close a connection with statements left open: the kept ones are finalized first. */
  override close(callback?: (err: Error | null) => void): void {
    const kept = [...this.kept.values()];
    this.kept.clear();
    let left = kept.length;
    if (left === 0) return void super.close(callback);
    for (const { statement } of kept) {
      statement.finalize(() => {
        if (--left === 0) super.close(callback);
      });
    }
  }
}

/** Runs a statement that answers no row on a connection: the last rowid it inserted and the rows it changed. */
export function runStatement(
  connection: unknown,
  sql: string,
  params: readonly unknown[],
): Promise<{ lastId: number; changes: number }> {
  return new Promise((resolve, reject) =>
    (connection as sqlite3.Database).run(sql, params, function (this: sqlite3.RunResult, err: Error | null) {
      if (err) reject(err);
      else resolve({ lastId: this.lastID, changes: this.changes });
    }),
  );
}

export const sqliteModule = Object.create(sqlite3, { Database: { value: Database } }) as typeof sqlite3;
