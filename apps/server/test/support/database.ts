import path from 'node:path';
import { QueryTypes, Sequelize } from 'sequelize';
import { parsePosition } from '../../src/db/positions.js';
import { noteSqlWrite } from './consistency.js';

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/**
 * A new, empty database for one test file. TEST_DATABASE_URL picks the server (`postgres://user@host:port`,
 * `mariadb://user@host:port`); without it, or with `sqlite`, an SQLite file in `dataDir`.
 */
export async function freshDatabase(dataDir: string): Promise<TestDatabase> {
  const base = process.env.TEST_DATABASE_URL;
  if (!base || base.startsWith('sqlite')) {
    return { url: `sqlite:${path.join(dataDir, 'test.sqlite')}`, drop: async () => {} };
  }
  const postgres = /^postgres(ql)?:/.test(base);
  const name = `ccm_test_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = new URL(base);
  admin.pathname = postgres ? '/postgres' : '/';
  const run = async (sql: string) => {
    const db = new Sequelize(admin.toString().replace(/^mysql:/, 'mariadb:'), { logging: false });
    try {
      await db.query(sql);
    } finally {
      await db.close();
    }
  };
  await run(`CREATE DATABASE ${name}`);
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => run(postgres ? `DROP DATABASE IF EXISTS ${name} WITH (FORCE)` : `DROP DATABASE IF EXISTS ${name}`),
  };
}

/**
 * A connection of the test's own to the database a server runs on (its DATABASE_URL), for SQL that goes around
 * the API. The caller closes it.
 */
export function rawConnection(databaseUrl: string): Sequelize {
  if (databaseUrl.startsWith('sqlite:')) {
    return new Sequelize({ dialect: 'sqlite', storage: databaseUrl.slice('sqlite:'.length), logging: false });
  }
  const db = new Sequelize(databaseUrl.replace(/^mysql:/, 'mariadb:'), { logging: false });
  if (process.env.TEST_READ_REPLICA_URL && databaseUrl.startsWith('postgres')) notePositions(db, databaseUrl);
  return db;
}

const POSITION = 'SELECT pg_current_wal_insert_lsn()::text AS position';

/** With a replica (TEST_READ_REPLICA_URL): after each statement, the primary's position, for the reads after it. */
function notePositions(db: Sequelize, url: string) {
  // A connection of its own: the hook runs while the statement still holds its connection of the pool.
  const positions = new Sequelize(url, { logging: false, pool: { max: 1 } });
  db.addHook('afterQuery', async () => {
    const [row] = await positions.query<{ position: string }>(POSITION, { type: QueryTypes.SELECT });
    noteSqlWrite(parsePosition('postgres', row?.position));
  });
  const close = db.close.bind(db);
  db.close = async () => {
    await close();
    await positions.close();
  };
}

/** The current time as a DATETIME/TIMESTAMP literal every dialect reads (`YYYY-MM-DD HH:MM:SS`, UTC), for raw SQL. */
export const sqlNow = () => new Date().toISOString().slice(0, 19).replace('T', ' ');
