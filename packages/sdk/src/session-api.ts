import type { TokenPair } from '@ccm/contract';
import { CcmApiError, CcmSessionError } from './errors.js';
import type { CcmFetch } from './fetch.js';
import { rawOptions } from './methods.js';
import type { Session } from './session.js';
import type { Tokens } from './tokens.js';
import type { CallOptions } from './types.js';

export interface SessionApi {
  /** Signs in: keeps the token pair in the token store and resolves with it (and the user). */
  login(username: string, password: string, options?: CallOptions): Promise<TokenPair>;
  /** Revokes the refresh token on the server and forgets the tokens (forgotten even if the server is unreachable). */
  logout(options?: CallOptions): Promise<void>;
  /**
   * Renews the access token now (it is otherwise renewed when needed); resolves with the new pair. Rejects with a
   * CcmSessionError when signed out, a CcmApiError when the server refuses the refresh token.
   */
  refresh(): Promise<Tokens>;
  /** A valid access token (renewed first when close to expiry), or undefined when signed out. */
  getAccessToken(options?: { signal?: AbortSignal }): Promise<string | undefined>;
  /** The current tokens, or null. */
  getTokens(): Promise<Tokens | null>;
  /** Replaces the tokens (null signs out locally, without telling the server). */
  setTokens(tokens: Tokens | null): Promise<void>;
  /** The server's address the client was made for (`https://ccm.example.com`, no trailing slash). */
  readonly baseUrl: string;
  /**
   * A `fetch` of your own requests through the client: its session, retries, time limits and idempotency keys
   * (`ccm.fetch('/api/contacts/?page_size=5')`). Resolves with every answer, as `fetch` does.
   */
  fetch: CcmFetch;
}

/** What the session methods work with: the raw client's session routes, and the session itself. */
interface SessionRoutes {
  login(args: Record<string, unknown>): Promise<{ body: unknown }>;
  logout(args: Record<string, unknown>): Promise<unknown>;
}

export function sessionApi(session: Session, routes: SessionRoutes, baseUrl: string, fetch: CcmFetch): SessionApi {
  const notSignedIn = () =>
    new CcmSessionError('Not signed in: call login() or setTokens() first.', {
      operation: 'auth.refresh',
      method: 'POST',
      url: `${baseUrl}/api/auth/token/refresh/`,
    });
  return {
    baseUrl,
    fetch,
    async login(username, password, callOptions = {}) {
      const { body } = await routes.login({ body: { username, password }, ...rawOptions(callOptions) });
      const pair = (body as { data: TokenPair }).data;
      await session.setTokens({ access: pair.access, refresh: pair.refresh });
      return pair;
    },

    async logout(callOptions = {}) {
      await session.settle();
      const tokens = await session.tokens();
      await session.setTokens(null);
      if (!tokens) return;
      try {
        await routes.logout({ body: { refresh: tokens.refresh }, ...rawOptions(callOptions) });
      } catch (error) {
        // A refresh token the server no longer knows is logged out already.
        if (CcmApiError.is(error) && (error.status === 400 || error.status === 401)) return;
        throw error;
      }
    },

    async refresh() {
      const tokens = await session.tokens();
      if (!tokens) throw notSignedIn();
      const renewed = await session.renew(tokens.access);
      if (!renewed) throw notSignedIn();
      return renewed;
    },

    async getAccessToken(callOptions = {}) {
      return session.accessToken(callOptions.signal ?? new AbortController().signal);
    },

    getTokens: () => session.tokens(),
    setTokens: (tokens) => session.setTokens(tokens),
  };
}
