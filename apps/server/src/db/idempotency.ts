import { QueryTypes, type Sequelize } from 'sequelize';
import type { Dialect } from './connection.js';
import { asDate, type Reader } from './reads.js';
import { asTransaction, type UnitOfWork } from './transaction.js';

/** A user's Idempotency-Key. */
export interface KeyId {
  userId: number;
  key: string;
}

/** The request a key was first used with. */
export interface KeyedRequest {
  operation: string;
  fingerprint: string;
}

/** What a claim finds: the key is this request's to run, or its stored answer, or another request running it. */
export type Claim =
  | { kind: 'claimed'; owner: string }
  | { kind: 'stored'; fingerprint: string; answer: string }
  | { kind: 'running'; fingerprint: string };

export interface ClaimTimes {
  now: Date;
  /** Until when the claim is this request's; past it (its server died), another request may take the key over. */
  lockedUntil: Date;
  expiresAt: Date;
}

/** The idempotency_keys table (migration 0006): claims, stored answers, pruning. */
export function idempotencyRepo(sequelize: Sequelize, read: Reader, dialect: Dialect) {
  const rowLock = dialect === 'sqlite' ? '' : ' FOR UPDATE';
  // The insert leaves an existing row alone. MariaDB's takes it with an exclusive lock (ON DUPLICATE KEY UPDATE):
  // INSERT IGNORE's shared lock, upgraded by the FOR UPDATE read after it, deadlocks two repeats of one key.
  const insertOrKeep = (columns: string) =>
    dialect === 'mariadb'
      ? `INSERT INTO idempotency_keys ${columns} ON DUPLICATE KEY UPDATE user_id = user_id`
      : `INSERT INTO idempotency_keys ${columns} ON CONFLICT (user_id, idem_key) DO NOTHING`;
  const run = (uow: UnitOfWork, sql: string, replacements: unknown[]) =>
    sequelize.query(sql, {
      replacements,
      transaction: asTransaction(uow),
      type: QueryTypes.UPDATE,
    }) as Promise<unknown>;

  /** Makes the key this request's: a fresh claim, whatever the row held. */
  const take = (uow: UnitOfWork, id: KeyId, request: KeyedRequest, owner: string, times: ClaimTimes) =>
    run(
      uow,
      `UPDATE idempotency_keys SET operation = ?, fingerprint = ?, owner = ?, locked_until = ?, answer = NULL,
       created_at = ?, expires_at = ? WHERE user_id = ? AND idem_key = ?`,
      [request.operation, request.fingerprint, owner, times.lockedUntil, times.now, times.expiresAt, id.userId, id.key],
    );

  return {
    /**
     * Claims the key for a request (its own short transaction, so that a concurrent repeat sees the claim): inserted
     * if new; taken over if expired, or if the request holding it stopped before its time was up without storing an
     * answer (nothing it did committed: its change and its answer commit together).
     */
    async claim(uow: UnitOfWork, id: KeyId, request: KeyedRequest, owner: string, times: ClaimTimes): Promise<Claim> {
      await run(
        uow,
        insertOrKeep(`(user_id, idem_key, operation, fingerprint, owner, locked_until, created_at, expires_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
        [
          id.userId,
          id.key,
          request.operation,
          request.fingerprint,
          owner,
          times.lockedUntil,
          times.now,
          times.expiresAt,
        ],
      );
      const [row] = await read.selectIn(
        uow,
        `SELECT fingerprint, owner, locked_until, answer, expires_at FROM idempotency_keys
         WHERE user_id = ? AND idem_key = ?${rowLock}`,
        [id.userId, id.key],
      );
      if (!row) throw new Error('idempotency key row missing after its insert');
      const now = times.now.getTime();
      const fingerprint = row.fingerprint as string;
      if (row.owner === owner && row.answer == null) return { kind: 'claimed', owner };
      const expired = asDate(row.expires_at).getTime() <= now;
      const abandoned = row.answer == null && (row.locked_until == null || asDate(row.locked_until).getTime() <= now);
      if (expired || (abandoned && fingerprint === request.fingerprint)) {
        await take(uow, id, request, owner, times);
        return { kind: 'claimed', owner };
      }
      if (row.answer != null) return { kind: 'stored', fingerprint, answer: row.answer as string };
      return { kind: 'running', fingerprint };
    },

    /** Stores the answer, if the key is still `owner`'s; false if another request took it over. */
    async complete(uow: UnitOfWork, id: KeyId, owner: string, answer: string): Promise<boolean> {
      const [, changed] = (await sequelize.query(
        `UPDATE idempotency_keys SET answer = ?, locked_until = NULL WHERE user_id = ? AND idem_key = ? AND owner = ?`,
        { replacements: [answer, id.userId, id.key, owner], transaction: asTransaction(uow), type: QueryTypes.UPDATE },
      )) as [unknown, number];
      return changed === 1;
    },

    /** Gives the key up (the request failed in a way a repeat may not: the database went away...). */
    release: (uow: UnitOfWork, id: KeyId, owner: string) =>
      run(uow, 'DELETE FROM idempotency_keys WHERE user_id = ? AND idem_key = ? AND owner = ? AND answer IS NULL', [
        id.userId,
        id.key,
        owner,
      ]),

    /** Removes up to `limit` keys expired before `now`; answers how many. */
    async prune(now: Date, limit: number, uow: UnitOfWork): Promise<number> {
      const rows = await read.selectIn(
        uow,
        `SELECT user_id, idem_key FROM idempotency_keys WHERE expires_at < ? ORDER BY expires_at LIMIT ${Math.trunc(limit)}`,
        [now],
      );
      if (rows.length === 0) return 0;
      await run(
        uow,
        `DELETE FROM idempotency_keys WHERE expires_at < ? AND (user_id, idem_key) IN (${rows.map(() => '(?, ?)').join(', ')})`,
        [now, ...rows.flatMap((r) => [r.user_id, r.idem_key])],
      );
      return rows.length;
    },
  };
}

export type IdempotencyRepo = ReturnType<typeof idempotencyRepo>;
