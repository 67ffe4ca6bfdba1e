import { Sequelize } from 'sequelize';
import sqlite3 from 'sqlite3';

export interface WriteLock {
  release(): Promise<void>;
}

/**
 * Holds a lock that makes the server's writes to `customers` and `contacts` wait, from a connection of the
 * test's own: a deterministic "slow request" on every database. SQLite: the database's write lock (BEGIN
 * IMMEDIATE); PostgreSQL: an EXCLUSIVE lock on both tables in an open transaction; MariaDB: LOCK TABLES.
 */
export async function lockWrites(databaseUrl: string): Promise<WriteLock> {
  if (databaseUrl.startsWith('sqlite:')) {
    const db = await new Promise<sqlite3.Database>((resolve, reject) => {
      const d = new sqlite3.Database(databaseUrl.slice('sqlite:'.length), (err) => (err ? reject(err) : resolve(d)));
    });
    const exec = (sql: string) =>
      new Promise<void>((resolve, reject) => db.exec(sql, (e) => (e ? reject(e) : resolve())));
    await exec('BEGIN IMMEDIATE');
    return {
      release: async () => {
        await exec('ROLLBACK');
        await new Promise<void>((resolve) => db.close(() => resolve()));
      },
    };
  }
  // One connection, so that the lock and its release happen in the same session.
  const db = new Sequelize(databaseUrl.replace(/^mysql:/, 'mariadb:'), {
    logging: false,
    pool: { max: 1, min: 1 },
  });
  const postgres = db.getDialect() === 'postgres';
  if (postgres) {
    await db.query('BEGIN');
    await db.query('LOCK TABLE customers, contacts IN EXCLUSIVE MODE');
  } else {
    await db.query('LOCK TABLES customers WRITE, contacts WRITE');
  }
  return {
    release: async () => {
      await db.query(postgres ? 'ROLLBACK' : 'UNLOCK TABLES');
      await db.close();
    },
  };
}
