import fs from 'node:fs';
import { ConfigError } from './config.js';
import { AppError } from './services/index.js';

/**
 * The `.env` file of the folder the server starts in, when there is one (`pnpm start` starts in the
 * repository's root). A variable already set in the environment wins over the file.
 */
export function readEnvFile(file = '.env'): void {
  if (fs.existsSync(file)) process.loadEnvFile(file);
}

/** DATA_DIR exists and may be written (the SQLite file, the generated signing key): checked before anything opens it. */
export function ensureWritable(dir: string): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.accessSync(dir, fs.constants.W_OK);
}

type Failure = Error & { code?: unknown; errno?: unknown; address?: unknown; port?: unknown; path?: unknown };

/** The driver's error under Sequelize's wrapper, where there is one. */
const innermost = (err: Failure): Failure => ((err as { parent?: Failure }).parent ?? err) as Failure;

/**
 * A failure to start, in one or two lines saying what is wrong and what to do, for a person at a terminal; or
 * undefined for a failure nobody foresaw (then the message and, with LOG_LEVEL=debug, the stack).
 */
export function explainStartupFailure(error: unknown, databaseUrl?: string): string | undefined {
  if (error instanceof ConfigError) return error.message;
  if (error instanceof AppError) {
    const fields = Object.entries(error.fields ?? {}).map(([field, messages]) => `${field}: ${messages.join(' ')}`);
    return `${error.message} ${fields.join('; ')}`.trim();
  }
  if (!(error instanceof Error)) return undefined;
  const e = innermost(error as Failure);
  const code = String(e.code ?? '');
  const where = databaseUrl ? redact(databaseUrl) : 'the database';
  if (code === 'EADDRINUSE') {
    return `Port ${e.port} is already in use on ${e.address}.\nStop the program using it, or choose another port: PORT=8001 pnpm start`;
  }
  if (code === 'EACCES' && e.port !== undefined) {
    return `Not allowed to listen on port ${e.port}.\nUse a port above 1023 (PORT=8000), or give the server the right to bind it.`;
  }
  if (['EACCES', 'EPERM', 'EROFS', 'ENOTDIR', 'ENOENT', 'ENOSPC'].includes(code) && e.path !== undefined) {
    return `Cannot write to ${e.path} (${code}).\nSet DATA_DIR to a folder the server may write to, or DATABASE_URL to a database elsewhere.`;
  }
  if (code === 'SQLITE_CANTOPEN' || code === 'SQLITE_READONLY' || code === 'SQLITE_PERM') {
    return `Cannot open the SQLite file of ${where} (${code}).\nSet DATA_DIR to a writable folder, or DATABASE_URL to another file.`;
  }
  if (code === '3D000' || e.errno === 1049) {
    return `The database of ${where} does not exist.\nCreate it first (createdb NAME, or CREATE DATABASE NAME in MariaDB), or fix DATABASE_URL.`;
  }
  if (['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ETIMEDOUT'].includes(code) || /ECONNREFUSED/.test(e.message)) {
    return `Cannot reach the database server of ${where} (${code || 'connection refused'}).\nIs it running? Check the host and port in DATABASE_URL.`;
  }
  if (['28P01', '28000'].includes(code) || e.errno === 1045 || e.errno === 1044) {
    return `The database server refused the user of ${where}.\nCheck the user name and password in DATABASE_URL.`;
  }
  return undefined;
}

/** A database URL without its password, fit for a message. */
export function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url;
  }
}

/** Writes why the server could not start to stderr, and exits 1; the stack only when LOG_LEVEL asks for detail. */
export function failStartup(error: unknown, databaseUrl?: string): never {
  const known = explainStartupFailure(error, databaseUrl);
  const detailed = ['debug', 'trace'].includes(process.env.LOG_LEVEL ?? '');
  if (known) process.stderr.write(`${known}\n`);
  else {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`ccm could not start: ${message}\n`);
    if (!detailed) process.stderr.write('Run again with LOG_LEVEL=debug to see where it failed.\n');
  }
  if (detailed && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
  process.exit(1);
}
