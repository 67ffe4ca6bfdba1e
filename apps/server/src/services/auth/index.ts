import type { Store } from '../../db/index.js';
import type { AccountStates } from '../accounts.js';
import { type Limiters, loginThrottle, noLimits } from '../limits.js';
import type { TokenIssuer } from '../tokens.js';
import { authenticate, changePassword, login, logout, me, refresh } from './session.js';
import type { AuthDeps } from './tokens.js';

/** Signing in and out, tokens, sessions: session.ts; tokens.ts records and signs them. */
export function authService(store: Store, tokens: TokenIssuer, accounts: AccountStates, limiters: Limiters = noLimits) {
  const deps: AuthDeps = { store, tokens, accounts, throttle: loginThrottle(limiters) };
  return {
    login: (input: Parameters<typeof login>[1], client?: Parameters<typeof login>[2]) => login(deps, input, client),
    refresh: (token: string) => refresh(deps, token),
    logout: (token: string) => logout(deps, token),
    authenticate: (accessToken: string) => authenticate(deps, accessToken),
    me: (principal: { userId: number }) => me(deps, principal),
    changePassword: (principal: { userId: number }, input: Parameters<typeof changePassword>[2]) =>
      changePassword(deps, principal, input),
    hasUsers: async () => (await store.users.count()) > 0,
    /** Removes up to `limit` refresh tokens that can no longer be used (expired or revoked); answers how many. */
    pruneTokens: (limit: number) => store.transaction((t) => store.refreshTokens.prune(new Date(), limit, t)),
  };
}

export type AuthService = ReturnType<typeof authService>;
