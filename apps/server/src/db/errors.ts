import { ConnectionError, UniqueConstraintError } from 'sequelize';

/**
 * The columns of the unique index a write violated, or undefined when the error is something else.
 * Sequelize reports them per dialect: parsed from SQLite's message, from PostgreSQL's detail, from MariaDB's
 * key name; the index names of the migrations are recognised too.
 */
export function violatedColumns(err: unknown): string[] | undefined {
  if (!(err instanceof UniqueConstraintError)) return undefined;
  const fields = Object.keys(err.fields ?? {});
  const parent = err.parent as { constraint?: string; message?: string } | undefined;
  const name = parent?.constraint ?? (err as { index?: string }).index ?? parent?.message ?? '';
  const byIndex: Record<string, string[]> = {
    contacts_one_primary: ['is_primary'],
    contacts_customer_email_unique: ['email'],
    contacts_customer_wa_unique: ['wa_number'],
    contacts_customer_tp_unique: ['tp_number'],
  };
  for (const [index, columns] of Object.entries(byIndex)) if (name.includes(index)) return columns;
  if (fields.includes('primary_customer_id')) return ['is_primary'];
  const own = fields.filter((f) => f !== 'customer_id');
  // A unique index on customer_id alone (contacts) is the one-primary rule; on customers it is customer_id.
  return own.length > 0 ? own : fields;
}

/**
 * PostgreSQL SQLSTATEs of a server that is away, full, read-only or out of resources, or of a statement that
 * timed out or lost to other writers more often than transaction.ts retries.
 */
const PG_UNAVAILABLE = /^(08|53|57P0[123]|25006$|57014$|55P03$|40001$|40P01$)/;
/** MariaDB errors of the same kinds: disk or table full, too many connections, shutting down, read-only, lock waits. */
const MARIADB_UNAVAILABLE = new Set([
  1021, 1040, 1053, 1114, 1203, 1205, 1213, 1290, 1792, 1836, 2002, 2003, 2006, 2013,
]);
/** SQLite result codes (primary or extended) of a file that cannot be written, opened or locked in time. */
const SQLITE_UNAVAILABLE = /^SQLITE_(FULL|READONLY|CANTOPEN|IOERR|BUSY|LOCKED|NOMEM|PROTOCOL|NOLFS)/;
/** Socket-level failures, from any driver. */
const SOCKET = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
]);

type DriverError = { code?: unknown; errno?: unknown; fatal?: unknown; message?: unknown };

function driverUnavailable(e: DriverError): boolean {
  const code = typeof e.code === 'string' ? e.code : '';
  if (SOCKET.has(code) || SQLITE_UNAVAILABLE.test(code)) return true;
  // pg's SQLSTATEs are five characters; its own failures of a broken connection carry no code.
  if (/^[0-9A-Z]{5}$/.test(code) && PG_UNAVAILABLE.test(code)) return true;
  if (typeof e.errno === 'number' && MARIADB_UNAVAILABLE.has(e.errno)) return true;
  // The MariaDB connector marks an error fatal when its connection can no longer be used.
  if (e.fatal === true) return true;
  const message = typeof e.message === 'string' ? e.message : '';
  return /Connection terminated|not queryable|connection manager was closed|Connection lost/i.test(message);
}

/**
 * Whether a failure says the database cannot serve now (unreachable, shutting down, full, read-only, out of
 * connections, timed out) rather than that the request or the code is wrong: such a request may simply be
 * tried again later (503 with Retry-After). Recognises Sequelize's connection errors and the drivers' own,
 * bare (the reads go straight to the driver) or wrapped by Sequelize.
 */
export function isUnavailable(err: unknown): boolean {
  if (err instanceof ConnectionError) return true;
  if (!err || typeof err !== 'object') return false;
  const wrapped = err as { parent?: DriverError; original?: DriverError };
  return [err as DriverError, wrapped.parent, wrapped.original].some((e) => e !== undefined && driverUnavailable(e));
}
