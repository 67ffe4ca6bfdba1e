/** The two tokens of a session: a short-lived access token (a JWT) and the refresh token that renews it. */
export interface Tokens {
  access: string;
  refresh: string;
}

/**
 * Where the client keeps its tokens. The default keeps them in memory; implement this to persist a session
 * (localStorage, a file, a keychain, a cookie jar...). Both methods may be async. `set(null)` forgets the
 * session (logout, or a refresh token the server refused).
 */
export interface TokenStore {
  get(): Tokens | null | undefined | Promise<Tokens | null | undefined>;
  set(tokens: Tokens | null): void | Promise<void>;
}

/** Keeps the tokens in this process only (the default store). */
export class MemoryTokenStore implements TokenStore {
  private tokens: Tokens | null;

  constructor(initial: Tokens | null = null) {
    this.tokens = initial;
  }

  get(): Tokens | null {
    return this.tokens;
  }

  set(tokens: Tokens | null): void {
    this.tokens = tokens;
  }
}

export interface JwtTimes {
  /** Expiry, seconds since the epoch. */
  exp?: number;
  /** Issued at, seconds since the epoch. */
  iat?: number;
}

/** Reads `exp` and `iat` of a JWT without verifying it (the server verifies); `{}` when it is not a JWT. */
export function decodeJwtTimes(token: string): JwtTimes {
  const payload = token.split('.')[1];
  if (!payload) return {};
  try {
    const base64 = payload.replace(/-/g, '+').replace(/_/g, '/');
    const json = JSON.parse(atob(base64.padEnd(base64.length + ((4 - (base64.length % 4)) % 4), '=')));
    const times: JwtTimes = {};
    if (typeof json?.exp === 'number') times.exp = json.exp;
    if (typeof json?.iat === 'number') times.iat = json.iat;
    return times;
  } catch {
    return {};
  }
}

/**
 * Whether an access token should be renewed before it is used: when less than `leewaySeconds` of its life is
 * left, or a tenth of its whole lifetime for short-lived tokens (so a 2-second token is not renewed on every
 * call). A token without a readable `exp` is used as is (a 401 renews it).
 */
export function expiresSoon(token: string, leewaySeconds: number, nowMs = Date.now()): boolean {
  const { exp, iat } = decodeJwtTimes(token);
  if (exp === undefined) return false;
  const lifetime = iat !== undefined && exp > iat ? exp - iat : Number.POSITIVE_INFINITY;
  const leeway = Math.min(leewaySeconds, lifetime / 10);
  return nowMs / 1000 >= exp - leeway;
}
