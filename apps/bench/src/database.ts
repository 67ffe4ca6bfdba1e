import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Args } from './args.js';
import { dataDir, serverDir } from './paths.js';
import { run } from './processes.js';

export type Dialect = 'sqlite' | 'postgres' | 'mariadb';

export interface BenchDatabase {
  dialect: Dialect;
  /** The DATABASE_URL the server runs on. */
  url: string;
  /** What the report shows: the cached file or the database name. */
  label: string;
  /** Removes what the run leaves behind (the SQLite working copy). */
  cleanup(): void;
}

/** The few calls made on a Sequelize instance, typed here: the bench uses the server's copy of Sequelize. */
interface SqlClient {
  query(sql: string, options?: { type?: string; plain?: boolean }): Promise<unknown>;
  close(): Promise<void>;
}

/**
 * A SQL client for a database server. The bench installs no database driver of its own: it borrows the
 * server's Sequelize and drivers (resolved from apps/server), for the few statements it needs.
 */
function connect(url: string): SqlClient {
  const require = createRequire(path.join(serverDir, 'package.json'));
  const { Sequelize } = require('sequelize') as {
    Sequelize: new (url: string, options: { logging: boolean }) => SqlClient;
  };
  return new Sequelize(url.replace(/^mysql:/, 'mariadb:'), { logging: false });
}

/** Runs `work` with a client on `url`, and closes it. */
async function withClient<T>(url: string, work: (db: SqlClient) => Promise<T>): Promise<T> {
  const db = connect(url);
  try {
    return await work(db);
  } finally {
    await db.close();
  }
}

/** Fills an empty database with the server's own `seed` command (it prints its progress line). */
function seed(url: string, args: Args) {
  run(
    process.execPath,
    ['dist/cli.js', 'seed', '--contacts', String(args.contacts), '--customers', String(args.customers)],
    {
      cwd: serverDir,
      env: {
        ...process.env,
        NODE_ENV: 'development',
        DATABASE_URL: url,
        DATABASE_READ_URLS: '',
        DATA_DIR: dataDir,
        JWT_SECRET: 'bench-seed-secret-not-used-for-anything-0123456789',
        LOG_LEVEL: 'warn',
      },
    },
  );
}

const defaultCustomers = (args: Args) => args.customers === Math.max(1, Math.ceil(args.contacts / 5));
/** `100000`, or `100000-7000` when the customers are not the default fifth. */
const sizeName = (args: Args, separator: string) =>
  defaultCustomers(args) ? String(args.contacts) : `${args.contacts}${separator}${args.customers}`;

/**
 * SQLite: a cached, seeded file per size (built once, atomically: seeded under another name, then renamed),
 * and a fresh copy of it for each run, so that every run starts from the same data.
 */
function sqlite(args: Args): BenchDatabase {
  fs.mkdirSync(dataDir, { recursive: true });
  const cached = path.join(dataDir, `ccm-${sizeName(args, '-')}.sqlite`);
  const files = (base: string) => [base, `${base}-wal`, `${base}-shm`, `${base}-journal`];
  const remove = (base: string) => {
    for (const f of files(base)) fs.rmSync(f, { force: true });
  };
  if (args.fresh) remove(cached);
  if (fs.existsSync(cached)) {
    process.stdout.write(`database: reusing ${path.relative(process.cwd(), cached)}\n`);
  } else {
    const building = `${cached}.building`;
    remove(building);
    process.stdout.write(`database: building ${path.relative(process.cwd(), cached)}\n`);
    seed(`sqlite:${building}`, args);
    for (const suffix of ['-wal', '-shm']) {
      if (fs.existsSync(building + suffix)) fs.renameSync(building + suffix, cached + suffix);
    }
    fs.renameSync(building, cached);
  }
  const copy = path.join(dataDir, `run-${process.pid}.sqlite`);
  for (const [from, to] of files(cached).map((f, i) => [f, files(copy)[i]!] as const)) {
    if (fs.existsSync(from)) fs.copyFileSync(from, to, fs.constants.COPYFILE_FICLONE);
  }
  return { dialect: 'sqlite', url: `sqlite:${copy}`, label: path.basename(cached), cleanup: () => remove(copy) };
}

/**
 * PostgreSQL or MariaDB: the database ccm_bench_<size> on the server DATABASE_URL names. Reused when it holds
 * the seeded customers and contacts (ids 1..N, as the seed writes them); the rows an earlier run added are
 * deleted first. Otherwise it is dropped, created again and seeded. Then vacuumed and analyzed.
 */
async function server(base: string, args: Args): Promise<BenchDatabase> {
  const dialect: Dialect = /^postgres(ql)?:/.test(base) ? 'postgres' : 'mariadb';
  const name = `ccm_bench_${sizeName(args, '_')}`;
  const admin = new URL(base);
  admin.pathname = dialect === 'postgres' ? '/postgres' : '/';
  const target = new URL(base);
  target.pathname = `/${name}`;
  const url = target.toString();
  const shown = `${name} on ${target.host}`;

  const exists = await withClient(admin.toString(), async (db) => {
    const sql =
      dialect === 'postgres'
        ? `SELECT 1 AS found FROM pg_database WHERE datname = '${name}'`
        : `SELECT 1 AS found FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = '${name}'`;
    return (await db.query(sql, { type: 'SELECT', plain: true })) !== null;
  });

  let reusable = false;
  if (exists && !args.fresh) {
    reusable = await withClient(url, async (db) => {
      const count = async (sql: string) =>
        Number(((await db.query(sql, { type: 'SELECT', plain: true })) as { n: number | string }).n);
      try {
        const customers = await count(`SELECT COUNT(*) AS n FROM customers WHERE id <= ${args.customers}`);
        const contacts = await count(`SELECT COUNT(*) AS n FROM contacts WHERE id <= ${args.contacts}`);
        if (customers !== args.customers || contacts !== args.contacts) return false;
        await db.query(`DELETE FROM contacts WHERE id > ${args.contacts}`);
        await db.query(`DELETE FROM customers WHERE id > ${args.customers}`);
        await db.query('DELETE FROM refresh_tokens');
        return true;
      } catch {
        return false; // no tables: a database left half-made
      }
    });
  }
  if (reusable) {
    process.stdout.write(`database: reusing ${shown}\n`);
  } else {
    process.stdout.write(`database: building ${shown}\n`);
    await withClient(admin.toString(), async (db) => {
      await db.query(
        dialect === 'postgres' ? `DROP DATABASE IF EXISTS ${name} WITH (FORCE)` : `DROP DATABASE IF EXISTS ${name}`,
      );
      await db.query(`CREATE DATABASE ${name}`);
    });
    seed(url, args);
  }
  // Every run starts from the same state: the deleted rows' dead versions reclaimed and the planner's
  // statistics fresh, rather than left to autovacuum (which may be off, and is not timed to the run).
  await withClient(url, (db) =>
    db.query(dialect === 'postgres' ? 'VACUUM (ANALYZE)' : 'ANALYZE TABLE contacts, customers'),
  );
  return { dialect, url, label: shown, cleanup: () => {} };
}

/** The database of the chosen size, on SQLite or on the server DATABASE_URL names. */
export async function prepareDatabase(args: Args): Promise<BenchDatabase> {
  const base = process.env.DATABASE_URL;
  if (!base || base.startsWith('sqlite:')) return sqlite(args);
  if (!/^(postgres(ql)?|mariadb|mysql):\/\//.test(base)) {
    throw new Error(`DATABASE_URL: use postgres://… or mariadb://… (or leave it unset for SQLite), not "${base}"`);
  }
  return server(base, args);
}
