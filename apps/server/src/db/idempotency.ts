import { QueryTypes, type Sequelize } from 'sequelize';
import type { Dialect } from './connection.js';
import { asDate, type Reader, type Row } from './reads.js';
import { asTransaction, type UnitOfWork } from './transaction.js';

// The idempotency_keys table (migration 0006). A key's row is written with its answer in the transaction of the
// change it answers (on MariaDB its claim comes first, in the same transaction), so that a committed row always
// has its answer.

/** A user's Idempotency-Key. */
export interface KeyId {
  userId: number;
  key: string;
}

/** The request a key was first used with, and when its answer expires. */
export interface KeyedRequest {
  operation: string;
  fingerprint: string;
  now: Date;
  expiresAt: Date;
}

/** A key's stored answer, and the request it answers. */
export interface StoredAnswer {
  fingerprint: string;
  answer: string;
}

/** What a transaction finds when it claims a key: it is this request's now, or answered, or held by another. */
export type Claim = { kind: 'claimed' } | ({ kind: 'stored' } & StoredAnswer) | { kind: 'running' };

interface KeysDb {
  sequelize: Sequelize;
  read: Reader;
  dialect: Dialect;
}

const COLUMNS = '(user_id, idem_key, operation, fingerprint, answer, created_at, expires_at)';
const values = (id: KeyId, request: KeyedRequest, answer: string | null) => [
  id.userId,
  id.key,
  request.operation,
  request.fingerprint,
  answer,
  request.now,
  request.expiresAt,
];

/** SQLite and PostgreSQL say what they changed (RETURNING), in one statement sent straight to the driver. */
const returns = (db: KeysDb) => db.dialect !== 'mariadb';

function write(db: KeysDb, uow: UnitOfWork, sql: string, replacements: unknown[]) {
  return db.sequelize.query(sql, { replacements, transaction: asTransaction(uow), type: QueryTypes.UPDATE }) as Promise<
    [unknown, number]
  >;
}

/**
 * Inserts the row unless the key is there; true if it did (undefined where the database cannot say: MariaDB). Its
 * form there takes an existing row with an exclusive lock: INSERT IGNORE's shared one, upgraded by a read FOR UPDATE
 * after it, deadlocks two repeats of one key.
 */
async function insertOrKeep(db: KeysDb, uow: UnitOfWork, id: KeyId, request: KeyedRequest, answer: string | null) {
  const insert = `INSERT INTO idempotency_keys ${COLUMNS} VALUES (?, ?, ?, ?, ?, ?, ?)`;
  if (!returns(db)) {
    await write(db, uow, `${insert} ON DUPLICATE KEY UPDATE user_id = user_id`, values(id, request, answer));
    return undefined;
  }
  const rows = await db.read.selectIn(
    uow,
    `${insert} ON CONFLICT (user_id, idem_key) DO NOTHING RETURNING user_id`,
    values(id, request, answer),
  );
  return rows.length === 1;
}

const rowOf = (db: KeysDb, uow: UnitOfWork, id: KeyId, lock = '') =>
  db.read.selectIn(
    uow,
    `SELECT fingerprint, answer, expires_at FROM idempotency_keys WHERE user_id = ? AND idem_key = ?${lock}`,
    [id.userId, id.key],
  );

const live = (row: Row | undefined, now: Date): row is Row =>
  row !== undefined && asDate(row.expires_at).getTime() > now.getTime();

const storedOf = (row: Row): Claim => ({
  kind: 'stored',
  fingerprint: row.fingerprint as string,
  answer: row.answer as string,
});

/**
 * The start of a keyed change's transaction: whether another request with the key is running (in another server
 * process: this process knows its own), or has been answered. PostgreSQL takes an advisory lock on the key, held
 * to the end of the transaction, and reads the key's row, in one statement. MariaDB claims the key with a row at
 * once (a repeat's NOWAIT read of it fails at once). SQLite's writers take turns: nothing to do (a repeat that
 * waited for its turn finds the answer when it stores its own).
 */
async function begin(db: KeysDb, uow: UnitOfWork, id: KeyId, request: KeyedRequest): Promise<Claim> {
  if (db.dialect === 'sqlite') return { kind: 'claimed' };
  if (db.dialect === 'postgres') {
    const [row] = await db.read.selectIn(
      uow,
      `SELECT pg_try_advisory_xact_lock(hashtextextended(?, 0)) AS held, k.fingerprint, k.answer, k.expires_at
       FROM (SELECT 1) AS one LEFT JOIN idempotency_keys k ON k.user_id = ? AND k.idem_key = ?`,
      [`idempotency:${id.userId}:${id.key}`, id.userId, id.key],
    );
    if (row?.held !== true) return { kind: 'running' };
    return row.answer != null && live(row, request.now) ? storedOf(row) : { kind: 'claimed' };
  }
  const busy = await rowOf(db, uow, id, ' FOR UPDATE NOWAIT').then(
    () => false,
    (err: { errno?: number; parent?: { errno?: number } }) => {
      // 1205: locked by another transaction. The driver's own error (reads.ts sends this read straight to it).
      if ((err?.errno ?? err?.parent?.errno) === 1205) return true;
      throw err;
    },
  );
  if (busy) return { kind: 'running' };
  await insertOrKeep(db, uow, id, request, null);
  const [row] = await rowOf(db, uow, id, ' FOR UPDATE');
  if (!row) throw new Error('idempotency key row missing after its insert');
  return row.answer != null && live(row, request.now) ? storedOf(row) : { kind: 'claimed' };
}

/** Makes the key's row hold this answer, whatever an expired row (or this transaction's claim) held. */
const overwrite = (db: KeysDb, uow: UnitOfWork, id: KeyId, request: KeyedRequest, answer: string) =>
  write(
    db,
    uow,
    `UPDATE idempotency_keys SET operation = ?, fingerprint = ?, answer = ?, created_at = ?, expires_at = ?
     WHERE user_id = ? AND idem_key = ?`,
    [request.operation, request.fingerprint, answer, request.now, request.expiresAt, id.userId, id.key],
  );

/**
 * Stores the answer, at the end of the change's transaction or in a transaction of its own; answers undefined when
 * it is stored, or the live answer another request stored first (the caller gives that one instead of its own).
 */
async function store(
  db: KeysDb,
  uow: UnitOfWork,
  id: KeyId,
  request: KeyedRequest,
  answer: string,
): Promise<StoredAnswer | undefined> {
  // MariaDB's insert cannot say whether it wrote: there the row is read first (this transaction may hold its claim).
  if (returns(db) && (await insertOrKeep(db, uow, id, request, answer))) return undefined;
  const [row] = await rowOf(db, uow, id, db.dialect === 'sqlite' ? '' : ' FOR UPDATE');
  if (row && row.answer != null && live(row, request.now)) {
    return { fingerprint: row.fingerprint as string, answer: row.answer as string };
  }
  if (row) await overwrite(db, uow, id, request, answer);
  else await insertOrKeep(db, uow, id, request, answer);
  return undefined;
}

/** Removes up to `limit` keys expired before `now`; answers how many. */
async function prune(db: KeysDb, now: Date, limit: number, uow: UnitOfWork): Promise<number> {
  const rows = await db.read.selectIn(
    uow,
    `SELECT user_id, idem_key FROM idempotency_keys WHERE expires_at < ? ORDER BY expires_at LIMIT ${Math.trunc(limit)}`,
    [now],
  );
  if (rows.length === 0) return 0;
  await write(
    db,
    uow,
    `DELETE FROM idempotency_keys WHERE expires_at < ? AND (user_id, idem_key) IN (${rows.map(() => '(?, ?)').join(', ')})`,
    [now, ...rows.flatMap((r) => [r.user_id, r.idem_key])],
  );
  return rows.length;
}

export function idempotencyRepo(sequelize: Sequelize, read: Reader, dialect: Dialect) {
  const db: KeysDb = { sequelize, read, dialect };
  return {
    begin: (uow: UnitOfWork, id: KeyId, request: KeyedRequest) => begin(db, uow, id, request),
    store: (uow: UnitOfWork, id: KeyId, request: KeyedRequest, answer: string) => store(db, uow, id, request, answer),
    prune: (now: Date, limit: number, uow: UnitOfWork) => prune(db, now, limit, uow),
  };
}

export type IdempotencyRepo = ReturnType<typeof idempotencyRepo>;
