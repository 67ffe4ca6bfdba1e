import { randomUUID } from 'node:crypto';
import type { LoginRequest, PasswordChange, TokenPair, User as UserDto } from '@ccm/contract';
import type { Store, Transaction, User } from '../db/index.js';
import type { AccountStates } from './accounts.js';
import { userDto } from './dto.js';
import { unauthenticated, validationError } from './errors.js';
import { type Limiters, loginThrottle, noLimits } from './limits.js';
import { decoyHash, hashPassword, verifyPassword } from './passwords.js';
import type { TokenIssuer } from './tokens.js';

const BAD_CREDENTIALS = 'No active account found with the given credentials';
const BAD_REFRESH = 'Token is invalid or expired';
const BAD_TOKEN = 'Given token not valid for any token type';

export function authService(store: Store, tokens: TokenIssuer, accounts: AccountStates, limiters: Limiters = noLimits) {
  const throttle = loginThrottle(limiters);

  /** Records a new refresh token of `familyId` in the caller's transaction; the pair is signed after it commits. */
  async function recordRefresh(user: User, familyId: string, t: Transaction) {
    const jti = randomUUID();
    await store.refreshTokens.insert(
      { jti, userId: user.id, familyId, expiresAt: new Date(Date.now() + tokens.refreshTtl * 1000) },
      t,
    );
    return jti;
  }

  async function signPair(user: User, jti: string): Promise<TokenPair> {
    const [access, refresh] = await Promise.all([tokens.access(user), tokens.refresh(user.id, jti)]);
    return { access, refresh, token_type: 'Bearer', expires_in: tokens.accessTtl, user: userDto(user) };
  }

  return {
    /**
     * Unknown user, wrong password and inactive user get the same answer after the same work. Repeated
     * failures for one username or from one address (the client's IP, given by the adapter) get 429. The
     * username is in its canonical form already (the contract trims it), for the lookup and the throttle alike.
     */
    async login({ username, password }: LoginRequest, client: { address?: string } = {}): Promise<TokenPair> {
      const attempt = await throttle.attempt(username, client.address);
      const user = await store.users.byUsername(username);
      const ok = await verifyPassword(user?.passwordHash ?? (await decoyHash()), password);
      if (!user || !ok || !user.isActive) throw unauthenticated(BAD_CREDENTIALS);
      await attempt.succeeded();
      const jti = await store.transaction((t) => recordRefresh(user, randomUUID(), t));
      return signPair(user, jti);
    },

    /**
     * Rotation: the presented token is spent; presenting a spent token again revokes its whole family. One
     * transaction: a concurrent second use of the token waits for the first to commit, then finds it spent
     * and revokes the family, the first one's new token included.
     */
    async refresh(token: string): Promise<TokenPair> {
      const claims = await tokens.verifyRefresh(token).catch(() => {
        throw unauthenticated(BAD_REFRESH);
      });
      const issued = await store.transaction(async (t) => {
        const row = await store.refreshTokens.byJti(claims.jti, t);
        if (!row || row.revokedAt || row.expiresAt.getTime() < Date.now()) return undefined;
        if (!(await store.refreshTokens.markUsed(row.jti, t))) {
          // Kept: the revocation must commit, so the refusal is thrown after the transaction.
          await store.refreshTokens.revokeFamily(row.familyId, t);
          return undefined;
        }
        const user = await store.users.byId(row.userId, t);
        if (!user?.isActive) return undefined;
        return { user, jti: await recordRefresh(user, row.familyId, t) };
      });
      if (!issued) throw unauthenticated(BAD_REFRESH);
      return signPair(issued.user, issued.jti);
    },

    async logout(token: string): Promise<void> {
      const claims = await tokens.verifyRefresh(token).catch(() => {
        throw unauthenticated(BAD_REFRESH);
      });
      await store.transaction((t) => store.refreshTokens.markUsed(claims.jti, t));
    },

    /**
     * The principal of an access token, with the user's current role: a token of a deactivated user, or one
     * issued before the user's sessions were ended, no longer works (within a few seconds on other processes).
     */
    async authenticate(accessToken: string) {
      const principal = await tokens.principal(accessToken);
      const state = await accounts.get(principal.userId);
      if (!state?.isActive || state.sessionVersion !== principal.sessionVersion) throw unauthenticated(BAD_TOKEN);
      return state.role === principal.role ? principal : { ...principal, role: state.role };
    },

    async me(principal: { userId: number }): Promise<UserDto> {
      const user = await store.users.byId(principal.userId);
      if (!user?.isActive) throw unauthenticated(BAD_CREDENTIALS);
      return userDto(user);
    },

    /**
     * The signed-in user changes its password: the current one must be right (400 otherwise, so that a client
     * does not take it for an expired token). Every other session ends (refresh tokens revoked, access tokens
     * refused), and a new pair is returned for the caller's own session.
     */
    async changePassword(principal: { userId: number }, input: PasswordChange): Promise<TokenPair> {
      const user = await store.users.byId(principal.userId);
      if (!user?.isActive) throw unauthenticated(BAD_CREDENTIALS);
      if (!(await verifyPassword(user.passwordHash, input.current_password))) {
        throw validationError({ current_password: ['The current password is not correct.'] });
      }
      const passwordHash = await hashPassword(input.new_password);
      const issued = await store.transaction(async (t) => {
        const [locked] = await store.users.lock([user.id], t);
        if (!locked?.isActive) return undefined;
        await store.users.update(locked, { passwordHash }, t, true);
        await store.refreshTokens.revokeUser(locked.id, t);
        return { user: locked, jti: await recordRefresh(locked, randomUUID(), t) };
      });
      if (!issued) throw unauthenticated(BAD_CREDENTIALS);
      accounts.changed(user.id);
      return signPair(issued.user, issued.jti);
    },

    hasUsers: async () => (await store.users.count()) > 0,

    /** Removes up to `limit` refresh tokens that can no longer be used (expired or revoked); answers how many. */
    pruneTokens: (limit: number) => store.transaction((t) => store.refreshTokens.prune(new Date(), limit, t)),
  };
}

export type AuthService = ReturnType<typeof authService>;
