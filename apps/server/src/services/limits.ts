import { createHash } from 'node:crypto';
import type { Principal } from './access.js';
import { rateLimited } from './errors.js';

/** What a limiter says about one counted event. */
export interface LimitState {
  /** False once the window's budget is spent (the event still counts). */
  allowed: boolean;
  /** Seconds until the window ends (at least 1 when not allowed). */
  retryAfterSeconds: number;
}

/**
 * A counter of events per key over a fixed window. The rules here only see this interface; `src/limits.ts`
 * implements it with rate-limiter-flexible, in Redis (shared by every server process) or in memory.
 */
export interface Limiter {
  consume(key: string): Promise<LimitState>;
  /** Gives back one event counted earlier in the window. */
  refund(key: string): Promise<void>;
  /** Forgets the key's count. */
  reset(key: string): Promise<void>;
}

export interface Limiters {
  /** Failed logins per username. */
  loginByUsername: Limiter;
  /** Failed logins per client address, whatever the username. */
  loginByAddress: Limiter;
  /** Requests per signed-in user, or per client address without a valid token. */
  requests: Limiter;
}

/** A limiter that never says no (a limit of 0, the CLI, tools). */
export const noLimit: Limiter = {
  consume: async () => ({ allowed: true, retryAfterSeconds: 0 }),
  refund: async () => {},
  reset: async () => {},
};

export const noLimits: Limiters = { loginByUsername: noLimit, loginByAddress: noLimit, requests: noLimit };

/** Who is calling, as far as the limits care. `address` is the client's IP as the adapter sees it. */
export interface Caller {
  principal?: Principal;
  address?: string;
}

/**
 * Usernames are keyed by a digest: a Redis key then never holds what someone typed into the username
 * field (sometimes a password). Case-folded, so `Admin` and `admin` share one budget.
 */
export const usernameKey = (username: string) =>
  createHash('sha256').update(username.normalize('NFC').toLowerCase()).digest('hex').slice(0, 32);

/** The general limit: one budget per signed-in user (all of its tokens), or per address when anonymous. */
export function requestThrottle(limiter: Limiter) {
  return async (caller: Caller): Promise<void> => {
    const key = caller.principal ? `user:${caller.principal.userId}` : `addr:${caller.address ?? 'unknown'}`;
    const state = await limiter.consume(key);
    if (!state.allowed) throw rateLimited(state.retryAfterSeconds);
  };
}

const TOO_MANY_LOGINS = 'Too many failed login attempts.';

/**
 * The brute-force rule of login, shared by every adapter through services/auth.ts. Each attempt is counted
 * before the password is checked (so parallel guesses cannot slip under the limit, and a blocked caller
 * costs no password hashing); a successful login gives its attempt back, and clears the username's count.
 * The address keeps its count on success: otherwise one valid account would reset the guesses against others.
 */
export function loginThrottle(limiters: Pick<Limiters, 'loginByUsername' | 'loginByAddress'>) {
  return {
    async attempt(username: string, address: string | undefined): Promise<{ succeeded(): Promise<void> }> {
      const userKey = usernameKey(username);
      const [byUser, byAddress] = await Promise.all([
        limiters.loginByUsername.consume(userKey),
        address === undefined ? undefined : limiters.loginByAddress.consume(address),
      ]);
      const refused = [byUser, byAddress].filter((s): s is LimitState => s !== undefined && !s.allowed);
      if (refused.length > 0) {
        throw rateLimited(Math.max(...refused.map((s) => s.retryAfterSeconds)), TOO_MANY_LOGINS);
      }
      return {
        succeeded: async () => {
          await Promise.all([
            limiters.loginByUsername.reset(userKey),
            address === undefined ? undefined : limiters.loginByAddress.refund(address),
          ]);
        },
      };
    },
  };
}
