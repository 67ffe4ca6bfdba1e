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

/** Whether another transaction is running a request with this key now (another server process). */
async function heldElsewhere(db: KeysDb, uow: UnitOfWork, id: KeyId): Promise<boolean> {
  if (db.dialect === 'postgres') {
    // Held to the end of the transaction; a repeat's try fails at once.
    const [row] = await db.read.selectIn(uow, 'SELECT pg_try_advisory_xact_lock(hashtextextended(?, 0)) AS held', [
      `idempotency:${id.userId}:${id.key}`,
    ]);
    return row?.held !== true;
  }
  if (db.dialect === 'mariadb') {
    // A row another transaction has inserted and not committed is locked: NOWAIT fails at once (1205).
    return rowOf(db, uow, id, ' FOR UPDATE NOWAIT').then(
      () => false,
      (err: { errno?: number; parent?: { errno?: number } }) => {
        // The driver's own error (reads.ts sends this read straight to it), or Sequelize's around it.
        if ((err?.errno ?? err?.parent?.errno) === 1205) return true;
        throw err;
      },
    );
  }
  return false; // SQLite: write transactions run one at a time.
}

/**
 * The start of a keyed change's transaction. MariaDB claims the key with a row at once, for other processes to see
 * (NOWAIT); PostgreSQL holds an advisory lock on it; SQLite's writers run one at a time and need nothing.
 */
async function begin(db: KeysDb, uow: UnitOfWork, id: KeyId, request: KeyedRequest): Promise<Claim> {
  if (await heldElsewhere(db, uow, id)) return { kind: 'running' };
  if (db.dialect !== 'mariadb') return { kind: 'claimed' };
  await insertOrKeep(db, uow, id, request, null);
  const [row] = await rowOf(db, uow, id, ' FOR UPDATE');
  if (!row) throw new Error('idempotency key row missing after its insert');
  if (row.answer != null && live(row, request.now)) {
    return { kind: 'stored', fingerprint: row.fingerprint as string, answer: row.answer as string };
  }
  return { kind: 'claimed' };
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
  if (await insertOrKeep(db, uow, id, request, answer)) return undefined;
  const [row] = await rowOf(db, uow, id, db.dialect === 'sqlite' ? '' : ' FOR UPDATE');
  if (row && row.answer != null && live(row, request.now)) {
    return { fingerprint: row.fingerprint as string, answer: row.answer as string };
  }
  await overwrite(db, uow, id, request, answer);
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
    /** The stored answer of a key, unless it has expired (a plain read, before anything runs). */
    async lookup(id: KeyId, now: Date): Promise<StoredAnswer | undefined> {
      const [row] = await read.select(
        'SELECT fingerprint, answer, expires_at FROM idempotency_keys WHERE user_id = ? AND idem_key = ?',
        [id.userId, id.key],
      );
      if (!live(row, now) || row.answer == null) return undefined;
      return { fingerprint: row.fingerprint as string, answer: row.answer as string };
    },
    begin: (uow: UnitOfWork, id: KeyId, request: KeyedRequest) => begin(db, uow, id, request),
    store: (uow: UnitOfWork, id: KeyId, request: KeyedRequest, answer: string) => store(db, uow, id, request, answer),
    prune: (now: Date, limit: number, uow: UnitOfWork) => prune(db, now, limit, uow),
  };
}

export type IdempotencyRepo = ReturnType<typeof idempotencyRepo>;
