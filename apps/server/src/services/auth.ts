import { randomUUID } from 'node:crypto';
import type { LoginRequest, PasswordChange, Role, TokenPair, User as UserDto } from '@ccm/contract';
import type { Store, User } from '../db/index.js';
import type { Principal } from './access.js';
import { userDto } from './dto.js';
import { unauthenticated, validationError } from './errors.js';
import { type Limiters, loginThrottle, noLimits } from './limits.js';
import { decoyHash, hashPassword, verifyPassword } from './passwords.js';
import type { TokenIssuer } from './tokens.js';

const BAD_CREDENTIALS = 'No active account found with the given credentials';
const BAD_REFRESH = 'Token is invalid or expired';

export function authService(store: Store, tokens: TokenIssuer, limiters: Limiters = noLimits) {
  const throttle = loginThrottle(limiters);

  async function issuePair(user: User, familyId: string): Promise<TokenPair> {
    const jti = randomUUID();
    await store.refreshTokens.insert({
      jti,
      userId: user.id,
      familyId,
      expiresAt: new Date(Date.now() + tokens.refreshTtl * 1000),
    });
    const [access, refresh] = await Promise.all([tokens.access(user), tokens.refresh(user.id, jti)]);
    return { access, refresh, token_type: 'Bearer', expires_in: tokens.accessTtl, user: userDto(user) };
  }

  return {
    /**
     * Unknown user, wrong password and inactive user get the same answer after the same work. Repeated
     * failures for one username or from one address (the client's IP, given by the adapter) get 429.
     */
    async login({ username, password }: LoginRequest, client: { address?: string } = {}): Promise<TokenPair> {
      const attempt = await throttle.attempt(username, client.address);
      const user = await store.users.byUsername(username);
      const ok = await verifyPassword(user?.passwordHash ?? (await decoyHash()), password);
      if (!user || !ok || !user.isActive) throw unauthenticated(BAD_CREDENTIALS);
      await attempt.succeeded();
      return issuePair(user, randomUUID());
    },

    /** Rotation: the presented token is spent; presenting a spent token again revokes its whole family. */
    async refresh(token: string): Promise<TokenPair> {
      const claims = await tokens.verifyRefresh(token).catch(() => {
        throw unauthenticated(BAD_REFRESH);
      });
      const row = await store.refreshTokens.byJti(claims.jti);
      if (!row || row.revokedAt || row.expiresAt.getTime() < Date.now()) throw unauthenticated(BAD_REFRESH);
      if (!(await store.refreshTokens.markUsed(row.jti))) {
        await store.refreshTokens.revokeFamily(row.familyId);
        throw unauthenticated(BAD_REFRESH);
      }
      const user = await store.users.byId(row.userId);
      if (!user?.isActive) throw unauthenticated(BAD_REFRESH);
      const pair = await issuePair(user, row.familyId);
      // A concurrent reuse of this token may have revoked the family before the new token existed: look again,
      // so that the new token dies with its chain instead of escaping the revocation.
      if ((await store.refreshTokens.byJti(row.jti))?.revokedAt) {
        await store.refreshTokens.revokeFamily(row.familyId);
        throw unauthenticated(BAD_REFRESH);
      }
      return pair;
    },

    async logout(token: string): Promise<void> {
      const claims = await tokens.verifyRefresh(token).catch(() => {
        throw unauthenticated(BAD_REFRESH);
      });
      await store.refreshTokens.markUsed(claims.jti);
    },

    authenticate: (accessToken: string): Promise<Principal> => tokens.principal(accessToken),

    async me(principal: Principal): Promise<UserDto> {
      const user = await store.users.byId(principal.userId);
      if (!user?.isActive) throw unauthenticated(BAD_CREDENTIALS);
      return userDto(user);
    },

    /**
     * The signed-in user changes its password: the current one must be right (400 otherwise, so that a client
     * does not take it for an expired token). Every refresh token of the user is revoked, and a new pair is
     * returned for the caller's own session.
     */
    async changePassword(principal: Principal, input: PasswordChange): Promise<TokenPair> {
      const user = await store.users.byId(principal.userId);
      if (!user?.isActive) throw unauthenticated(BAD_CREDENTIALS);
      if (!(await verifyPassword(user.passwordHash, input.current_password))) {
        throw validationError({ current_password: ['The current password is not correct.'] });
      }
      await store.users.update(user, { passwordHash: await hashPassword(input.new_password) });
      await store.refreshTokens.revokeUser(user.id);
      return issuePair(user, randomUUID());
    },

    async createUser(input: { username: string; password: string; email?: string; role: Role }): Promise<UserDto> {
      if (await store.users.byUsername(input.username)) {
        throw validationError({ username: ['A user with that username already exists.'] });
      }
      if (input.password.length < 8) throw validationError({ password: ['At least 8 characters.'] });
      const user = await store.users.create({
        username: input.username,
        email: input.email ?? `${input.username}@localhost`,
        passwordHash: await hashPassword(input.password),
        role: input.role,
      });
      return userDto(user);
    },

    hasUsers: async () => (await store.users.count()) > 0,
  };
}

export type AuthService = ReturnType<typeof authService>;
