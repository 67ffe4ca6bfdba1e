import sqlite3 from 'sqlite3';

/** How long a writer waits for SQLite's write lock before giving up with SQLITE_BUSY. */
const BUSY_TIMEOUT_MS = 10_000;

/**
 * sqlite3, as handed to Sequelize, with every connection set up for concurrent use. Sequelize opens one
 * connection per transaction and offers no hook after it connects, so the setup lives in the constructor:
 * a busy timeout (wait for the lock instead of failing), foreign keys, and NORMAL sync (safe with WAL).
 */
class Database extends sqlite3.Database {
  constructor(filename: string, mode: number, callback: (err: Error | null) => void) {
    super(filename, mode, (err: Error | null) => {
      if (err) return callback(err);
      this.configure('busyTimeout', BUSY_TIMEOUT_MS);
      this.exec('PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;', callback);
    });
  }
}

export const sqliteModule = Object.create(sqlite3, { Database: { value: Database } }) as typeof sqlite3;
