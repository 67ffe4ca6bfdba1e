import { createHash, randomUUID } from 'node:crypto';
import { type Claim, type CommitHook, type KeyId, type Store, withCommitHook } from '../db/index.js';
import { AppError, asAppError, type ErrorCode, validationError } from './errors.js';

/**
 * Idempotency-Key (docs/api.md, "Retries and concurrent edits"): a write sent again with the same key and the same
 * request gets the first one's answer again, without running again. The key is claimed in a transaction of its
 * own, so that a repeat arriving meanwhile sees it (409); the answer is stored in the transaction of the change it
 * answers, so that one never commits without the other.
 */

export interface IdempotencySettings {
  /** How long an answer is kept. */
  ttlSeconds: number;
  /** How long a claim holds without an answer: past it, its request is taken for dead and a repeat may run. */
  leaseMs: number;
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

/** Errors that are the request's answer, stored like a result; any other failure lets a repeat run again. */
const FINAL_ERRORS = new Set<ErrorCode>(['validation', 'not_found', 'forbidden', 'precondition_failed']);

const KEY = /^[\x20-\x7e]{1,255}$/;
export const IN_PROGRESS_RETRY_AFTER_SECONDS = 1;

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

/** The answer of a claim that is not this request's: the stored one, or a refusal. */
function answerOf(claim: Exclude<Claim, { kind: 'claimed' }>, fingerprint: string): { result: unknown } {
  if (claim.fingerprint !== fingerprint) {
    throw new AppError(
      'idempotency_mismatch',
      'This Idempotency-Key was used with another request: use a new key for a new request.',
    );
  }
  if (claim.kind === 'running') throw inProgress();
  const stored = JSON.parse(claim.answer) as Stored;
  if ('result' in stored) return stored;
  const { code, message, fields, currentEtag } = stored.error;
  throw new AppError(code, message, fields, undefined, { currentEtag, replayed: true });
}

const encode = (stored: Stored) => JSON.stringify(stored, (_, v) => (v === undefined ? null : v));

export function idempotency(store: Store, settings: IdempotencySettings) {
  const claimKey = (id: KeyId, operation: string, fingerprint: string, owner: string) => {
    const now = new Date();
    const times = {
      now,
      lockedUntil: new Date(now.getTime() + settings.leaseMs),
      expiresAt: new Date(now.getTime() + settings.ttlSeconds * 1000),
    };
    return store.transaction((t) => store.idempotency.claim(t, id, { operation, fingerprint }, owner, times));
  };

  const storeAnswer = async (id: KeyId, owner: string, stored: Stored) => {
    await store.transaction((t) => store.idempotency.complete(t, id, owner, encode(stored)));
  };

  /** Runs the call with its answer stored in the transaction of its change (or after it, if it changed nothing). */
  async function execute<T>(id: KeyId, owner: string, call: () => Promise<T>): Promise<T> {
    const hook: CommitHook = {
      beforeCommit: async (uow, value) => {
        // Another request took the key over (this one outlived its claim): this change must not commit.
        if (!(await store.idempotency.complete(uow, id, owner, encode({ result: value })))) throw inProgress();
      },
    };
    try {
      const result = await withCommitHook(hook, call);
      // A call that wrote nothing, or whose answer is not its transaction's value, has it stored now.
      if (hook.committed?.value !== result) await storeAnswer(id, owner, { result });
      return result;
    } catch (err) {
      const known = asAppError(err);
      if (!hook.committed && known && FINAL_ERRORS.has(known.code)) {
        const { code, message, fields, currentEtag } = known;
        await storeAnswer(id, owner, { error: { code, message, fields, currentEtag } });
      } else if (!hook.committed) {
        await store.transaction((t) => store.idempotency.release(t, id, owner)).catch(() => {});
      }
      throw err;
    }
  }

  return {
    /** Runs `run` once per user and key; a repeat gets the stored answer, `replayed` true. */
    async run<T>(call: KeyedCall, run: () => Promise<T>): Promise<{ result: T; replayed: boolean }> {
      if (!KEY.test(call.key)) {
        throw validationError(
          { 'Idempotency-Key': ['Expected 1 to 255 printable ASCII characters.'] },
          'Malformed Idempotency-Key header.',
        );
      }
      const id = { userId: call.userId, key: call.key };
      const fingerprint = fingerprintOf(call);
      const owner = randomUUID();
      const claim = await claimKey(id, call.operation, fingerprint, owner);
      if (claim.kind !== 'claimed') return { result: answerOf(claim, fingerprint).result as T, replayed: true };
      return { result: await execute(id, owner, run), replayed: false };
    },

    /** Removes up to `limit` expired keys (maintenance). */
    prune: (limit: number) => store.transaction((t) => store.idempotency.prune(new Date(), limit, t)),
  };
}

export type Idempotency = ReturnType<typeof idempotency>;
