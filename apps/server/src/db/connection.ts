import 'reflect-metadata';
import type { Options, Sequelize as PlainSequelize } from 'sequelize';
import { Sequelize, type SequelizeOptions } from 'sequelize-typescript';
import { beginBeforeSequelizeQueries } from './begin.js';
import { checkInternals, shareWriterConnection } from './internals.js';
import { models } from './models/index.js';
import { sqliteModule } from './sqlite.js';

export type Dialect = 'sqlite' | 'postgres' | 'mariadb';

export interface DatabaseOptions {
  url: string;
  /** Read replicas of `url`: reads outside a transaction go to them, everything else to `url`. */
  readUrls?: string[];
  logging?: boolean | ((sql: string) => void);
  pool?: { max: number; min: number; acquireMs: number; idleMs: number };
}

export interface Database {
  sequelize: Sequelize;
  dialect: Dialect;
  close(): Promise<void>;
}

/** Reads `sqlite:<path>`, `sqlite::memory:`, `postgres://…`, `mariadb://…` or `mysql://…`. */
export function parseDatabaseUrl(url: string): { dialect: Dialect; storage?: string } {
  if (url.startsWith('sqlite:')) {
    const storage = url.slice('sqlite:'.length).replace(/^\/\//, '');
    return { dialect: 'sqlite', storage: storage === '' ? ':memory:' : storage };
  }
  if (/^postgres(ql)?:\/\//.test(url)) return { dialect: 'postgres' };
  if (/^(mariadb|mysql):\/\//.test(url)) return { dialect: 'mariadb' };
  throw new Error(
    `DATABASE_URL: unsupported scheme in "${url.split(':')[0]}:…" (use sqlite:, postgres:// or mariadb://)`,
  );
}

/** A server URL as Sequelize's connection fields (replication takes no URLs). */
function connectionOf(url: string) {
  const u = new URL(url);
  return {
    host: u.hostname,
    port: u.port ? Number(u.port) : undefined,
    username: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password) || undefined,
    database: decodeURIComponent(u.pathname.replace(/^\//, '')),
  };
}

/** Sequelize options for a URL, without models: shared by the app's connection and the migrator's. */
export function connectionOptions(options: DatabaseOptions): Options & { dialect: Dialect } {
  const { dialect, storage } = parseDatabaseUrl(options.url);
  const logging = options.logging === true ? console.log : options.logging || false;
  const pool = options.pool && {
    max: options.pool.max,
    min: options.pool.min,
    acquire: options.pool.acquireMs,
    idle: options.pool.idleMs,
  };
  const common = { logging, benchmark: false, define: { underscored: true }, pool };
  if (dialect === 'sqlite') return { ...common, dialect, storage, dialectModule: sqliteModule };
  const primary = connectionOf(options.url);
  // `?sslmode=require` (or `?ssl=true`) encrypts; `verify-full` also checks the server's certificate.
  const params = new URL(options.url).searchParams;
  const sslmode = params.get('sslmode') ?? (params.get('ssl') === 'true' ? 'require' : undefined);
  const ssl = sslmode && sslmode !== 'disable' ? { ssl: { rejectUnauthorized: sslmode === 'verify-full' } } : undefined;
  // InnoDB's default, REPEATABLE READ, fixes a transaction's snapshot at its first plain read: a write that
  // read a row before waiting for a lock would then compute from the old row and lose the update committed
  // meanwhile. READ COMMITTED gives each statement the newest commits, as PostgreSQL does by default.
  // Several statements in one message carry a commit's trailing writes (commit.ts); every value still goes in
  // as a parameter, never into the text.
  const isolation =
    dialect === 'mariadb'
      ? { initSql: 'SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED', multipleStatements: true }
      : {};
  const dialectOptions = { ...isolation, ...ssl };
  const server = { ...common, dialect, ...(Object.keys(dialectOptions).length > 0 ? { dialectOptions } : {}) };
  const readUrls = options.readUrls ?? [];
  if (readUrls.length === 0) return { ...server, ...primary };
  return { ...server, replication: { write: primary, read: readUrls.map(connectionOf) } };
}

export function openDatabase(options: DatabaseOptions): Database {
  const connection = connectionOptions(options);
  if (connection.dialect === 'sqlite' && options.readUrls?.length) {
    throw new Error('DATABASE_READ_URLS: read replicas need PostgreSQL or MariaDB');
  }
  const sequelize = new Sequelize({ ...(connection as SequelizeOptions), models });
  checkInternals(sequelize as unknown as PlainSequelize);
  if (connection.dialect !== 'sqlite') beginBeforeSequelizeQueries(sequelize as unknown as PlainSequelize);
  if (connection.dialect === 'sqlite' && connection.storage !== ':memory:') {
    shareWriterConnection(sequelize as unknown as PlainSequelize);
  }
  return { sequelize, dialect: connection.dialect, close: () => sequelize.close() };
}
