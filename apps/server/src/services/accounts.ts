import type { UserState } from '../db/index.js';

/** How other server processes hear that a user changed (Redis pub/sub when REDIS_URL is set; src/bus.ts). */
export interface UserChanges {
  publish(userId: number): void;
  subscribe(listener: (userId: number) => void): void;
}

export const noUserChanges: UserChanges = { publish: () => {}, subscribe: () => {} };

/**
 * How old a user's state may be when used: fresh for `ttlMs`; up to twice that it is still used while a new
 * read goes on in the background (a busy user never waits for it); older, the request waits for the read. So
 * another process goes on with a user's old role or session version for at most about 4 seconds.
 */
export const ACCOUNT_STATE_TTL_MS = 2_000;

type Entry = { at: number; state: Promise<UserState | undefined>; refreshing?: boolean };

/**
 * Each user's current role, active flag and session version, as the access checks need them on every
 * request, kept per process so that a request costs no extra statement: read from the database about once
 * per `ttlMs` per busy user (concurrent misses share one read). A change made here is forgotten at once in
 * this process and announced to the others (`changes`); without a channel, or if a message is lost, the
 * others read it again within 2 × `ttlMs`.
 */
export function accountStates(
  read: (userId: number) => Promise<UserState | undefined>,
  changes: UserChanges,
  ttlMs: number,
) {
  const known = new Map<number, Entry>();
  changes.subscribe((userId) => known.delete(userId));

  function load(userId: number): Entry {
    const entry: Entry = { at: performance.now(), state: read(userId) };
    // A failed read is not kept: the next request tries again.
    entry.state.catch(() => {
      if (known.get(userId) === entry) known.delete(userId);
    });
    known.set(userId, entry);
    return entry;
  }

  return {
    get(userId: number): Promise<UserState | undefined> {
      const entry = known.get(userId);
      const age = entry ? performance.now() - entry.at : Number.POSITIVE_INFINITY;
      if (entry && age < ttlMs) return entry.state;
      if (entry && age < 2 * ttlMs) {
        if (!entry.refreshing) {
          entry.refreshing = true;
          // Replaces the entry once read (as of when the read began); until then the entry in hand answers.
          const started = performance.now();
          const next = read(userId);
          next.then(
            () => {
              if (known.get(userId) === entry) known.set(userId, { at: started, state: next });
            },
            () => {},
          );
        }
        return entry.state;
      }
      return load(userId).state;
    },
    /** After a change to the user has committed: read again here, and tell the other processes. */
    changed(userId: number): void {
      known.delete(userId);
      changes.publish(userId);
    },
  };
}

export type AccountStates = ReturnType<typeof accountStates>;
