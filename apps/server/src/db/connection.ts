import 'reflect-metadata';
import { type Options, Sequelize as PlainSequelize } from 'sequelize';
import { Sequelize, type SequelizeOptions } from 'sequelize-typescript';
import { beginBeforeSequelizeQueries } from './begin.js';
import { checkInternals, shareWriterConnection } from './internals.js';
import { models } from './models/index.js';
import type { Replica, ReplicaSettings } from './replicas.js';
import { sqliteModule } from './sqlite.js';

export type Dialect = 'sqlite' | 'postgres' | 'mariadb';

export interface DatabaseOptions {
  url: string;
  /** Read replicas of `url`: reads outside a transaction may go to them (db/routing.ts), everything else to `url`. */
  readUrls?: string[];
  /** How the replicas are followed and chosen (db/replicas.ts); defaults below. */
  replicas?: ReplicaSettings;
  logging?: boolean | ((sql: string) => void);
  pool?: { max: number; min: number; acquireMs: number; idleMs: number };
  /** How long opening a connection may take (the drivers' own default otherwise). */
  connectTimeoutMs?: number;
}

export interface Database {
  sequelize: Sequelize;
  dialect: Dialect;
  /** The read replicas, each with a Sequelize instance (and pool) of its own; none without DATABASE_READ_URLS. */
  replicas: Replica[];
  close(): Promise<void>;
}

/** REPLICA_WAIT_MS, REPLICA_MAX_LAG_MS and REPLICA_POLL_MS when unset (config.ts). */
export const DEFAULT_REPLICA_SETTINGS: ReplicaSettings = { waitMs: 200, maxLagMs: 10_000, pollMs: 50 };

/** A replica that does not answer its connection within this long is down (its reads go to the primary). */
const REPLICA_CONNECT_TIMEOUT_MS = 2000;

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
  const timeout =
    options.connectTimeoutMs === undefined
      ? {}
      : dialect === 'postgres'
        ? { connectionTimeoutMillis: options.connectTimeoutMs }
        : { connectTimeout: options.connectTimeoutMs };
  const dialectOptions = { ...isolation, ...ssl, ...timeout };
  const server = { ...common, dialect, ...(Object.keys(dialectOptions).length > 0 ? { dialectOptions } : {}) };
  return { ...server, ...connectionOf(options.url) };
}

/** `host:port/database` of a URL: how logs, /metrics and /api/ready/ name a replica (never its credentials). */
export function databaseName(url: string): string {
  const u = new URL(url);
  return `${u.host}${u.pathname}`;
}

/** A Sequelize instance (without models) for each read replica: its own pool, the primary's settings. */
function openReplicas(options: DatabaseOptions): Replica[] {
  return (options.readUrls ?? []).map((url) => {
    const sequelize = new PlainSequelize(
      connectionOptions({ ...options, url, readUrls: [], connectTimeoutMs: REPLICA_CONNECT_TIMEOUT_MS }),
    );
    checkInternals(sequelize);
    return { name: databaseName(url), sequelize };
  });
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
  const replicas = openReplicas(options);
  return { sequelize, dialect: connection.dialect, replicas, close: () => sequelize.close() };
}
