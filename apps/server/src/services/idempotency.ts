import { createHash } from 'node:crypto';
import {
  type CommitHook,
  type KeyedRequest,
  type KeyId,
  type Store,
  type UnitOfWork,
  withCommitHook,
} from '../db/index.js';
import { AppError, asAppError, type ErrorCode, validationError } from './errors.js';

/**
 * Idempotency-Key (docs/api.md, "Retries and concurrent edits"): a write sent again with the same key and the same
 * request gets the first one's answer again, without running again. The answer is stored by the last statement of
 * the change's transaction, so that a change never commits without its answer, nor an answer without its change;
 * of two requests with one key, the second to commit finds the first's answer, rolls back and gives it. A repeat
 * while the first runs is a 409: this process knows its own running keys, and the database tells of other
 * processes' (db/idempotency.ts, heldElsewhere; on SQLite, whose writers take turns, a repeat waits its turn).
 */

export interface IdempotencySettings {
  /** How long an answer is kept. */
  ttlSeconds: number;
}

/** One keyed call: who, the key, and the request the key stands for. */
export interface KeyedCall {
  userId: number;
  key: string;
  operation: string;
  input: unknown;
  ifMatch?: string;
}

/** An answer as stored: the operation's result, or the error it ended with. */
type Stored =
  | { result: unknown }
  | { error: { code: ErrorCode; message: string; fields?: Record<string, string[]>; currentEtag?: string } };

/** Errors that are the request's answer, stored like a result; after any other failure a repeat runs again. */
const FINAL_ERRORS = new Set<ErrorCode>(['validation', 'not_found', 'forbidden', 'precondition_failed']);

const KEY = /^[\x20-\x7e]{1,255}$/;
const IN_PROGRESS_RETRY_AFTER_SECONDS = 1;

/** The same JSON whatever the order of an object's keys. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value).filter(([, v]) => v !== undefined);
  return Object.fromEntries(
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => [k, canonical(v)]),
  );
}

const fingerprintOf = (call: KeyedCall) =>
  createHash('sha256')
    .update(JSON.stringify(canonical([call.operation, call.input ?? null, call.ifMatch ?? null])))
    .digest('hex');

const inProgress = () =>
  new AppError(
    'conflict',
    'A request with this Idempotency-Key is still running; try again shortly.',
    undefined,
    IN_PROGRESS_RETRY_AFTER_SECONDS,
  );

const encode = (stored: Stored) => JSON.stringify(stored, (_, v) => (v === undefined ? null : v));

/** A stored answer given again: the result, or the error thrown again (422 if the key was another request's). */
function replay(stored: { fingerprint: string; answer: string }, fingerprint: string): { result: unknown } {
  if (stored.fingerprint !== fingerprint) {
    throw new AppError(
      'idempotency_mismatch',
      'This Idempotency-Key was used with another request: use a new key for a new request.',
    );
  }
  const answer = JSON.parse(stored.answer) as Stored;
  if ('result' in answer) return answer;
  const { code, message, fields, currentEtag } = answer.error;
  throw new AppError(code, message, fields, undefined, { currentEtag, replayed: true });
}

/** Thrown by a claim that finds the key answered meanwhile: the transaction rolls back, and the answer is given. */
class Answered extends Error {
  constructor(readonly stored: { fingerprint: string; answer: string }) {
    super('answered meanwhile');
  }
}

export function idempotency(store: Store, settings: IdempotencySettings) {
  /** This process's keys being run now. */
  const running = new Set<string>();

  /** Runs the call with its answer stored in the transaction of its change (the key claimed first, where needed). */
  async function execute(id: KeyId, request: KeyedRequest, call: () => Promise<unknown>) {
    /** Stores an answer; one stored first (by another request, or an earlier run of this one) is thrown, to be given. */
    const keep = async (uow: UnitOfWork, stored: Stored) => {
      const answer = encode(stored);
      const standing = await store.idempotency.store(uow, id, request, answer);
      if (standing) throw new Answered(standing);
    };
    const hook: CommitHook = {
      afterBegin: async (uow) => {
        const claim = await store.idempotency.begin(uow, id, request);
        if (claim.kind === 'running') throw inProgress();
        if (claim.kind === 'stored') throw new Answered(claim);
      },
      beforeCommit: (uow, value) => keep(uow, { result: value }),
    };
    const record = (stored: Stored) => store.transaction((t) => keep(t, stored));
    try {
      const result = await withCommitHook(hook, call);
      // A call that wrote nothing, or whose answer is not its transaction's value, has its answer stored now.
      if (hook.committed?.value !== result) await record({ result });
      return { result, replayed: false };
    } catch (err) {
      if (err instanceof Answered) return { result: replay(err.stored, request.fingerprint).result, replayed: true };
      const known = asAppError(err);
      if (hook.committed || !known || !FINAL_ERRORS.has(known.code)) throw err;
      // The request's verdict is its answer, unless a repeat answered first (then that one is given).
      const { code, message, fields, currentEtag } = known;
      try {
        await record({ error: { code, message, fields, currentEtag } });
      } catch (stored) {
        if (stored instanceof Answered)
          return { result: replay(stored.stored, request.fingerprint).result, replayed: true };
        throw stored;
      }
      throw err;
    }
  }

  return {
    /** Runs `call` once per user and key; a repeat gets the stored answer, `replayed` true. */
    async run<T>(call: KeyedCall, run: () => Promise<T>): Promise<{ result: T; replayed: boolean }> {
      if (!KEY.test(call.key)) {
        throw validationError(
          { 'Idempotency-Key': ['Expected 1 to 255 printable ASCII characters.'] },
          'Malformed Idempotency-Key header.',
        );
      }
      const id = { userId: call.userId, key: call.key };
      // A repeat of an answered request runs until its transaction finds the answer (at its start, or when it stores
      // its own), then rolls back and gives it: a service that reads before it writes may refuse a repeat (a
      // repeated create of a user finds the name taken), and such a verdict yields to the stored answer too.
      const now = new Date();
      const request = {
        operation: call.operation,
        fingerprint: fingerprintOf(call),
        now,
        expiresAt: new Date(now.getTime() + settings.ttlSeconds * 1000),
      };
      const local = `${id.userId}\u0000${id.key}`;
      if (running.has(local)) throw inProgress();
      running.add(local);
      try {
        return (await execute(id, request, run)) as { result: T; replayed: boolean };
      } finally {
        running.delete(local);
      }
    },

    /** Removes up to `limit` expired keys (maintenance). */
    prune: (limit: number) => store.transaction((t) => store.idempotency.prune(new Date(), limit, t)),
  };
}
