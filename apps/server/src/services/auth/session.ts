import { randomUUID } from 'node:crypto';
import type { LoginRequest, PasswordChange, TokenPair, User as UserDto } from '@ccm/contract';
import type { Principal } from '../access.js';
import { userAccountDto, userDto } from '../dto.js';
import { unauthenticated, validationError } from '../errors.js';
import { eventOf, SECRET_CHANGE } from '../events.js';
import { decoyHash, hashPassword, verifyPassword } from '../passwords.js';
import { type AuthDeps, BAD_CREDENTIALS, BAD_REFRESH, BAD_TOKEN, recordRefresh, signPair } from './tokens.js';

/**
 * Unknown user, wrong password and inactive user get the same answer after the same work. Repeated failures for
 * one username or from one address (the client's IP, given by the adapter) get 429. The username is in its
 * canonical form already (the contract trims it), for the lookup and the throttle alike.
 */
export async function login(deps: AuthDeps, { username, password }: LoginRequest, client: { address?: string } = {}) {
  const attempt = await deps.throttle.attempt(username, client.address);
  const user = await deps.store.users.byUsername(username);
  const ok = await verifyPassword(user?.passwordHash ?? (await decoyHash()), password);
  if (!user || !ok || !user.isActive) throw unauthenticated(BAD_CREDENTIALS);
  await attempt.succeeded();
  const jti = await deps.store.transaction((t) => recordRefresh(deps, user, randomUUID(), t));
  return signPair(deps, user, jti);
}

/**
 * Rotation: the presented token is spent; presenting a spent token again revokes its whole family. One unit of
 * work: a concurrent second use of the token waits for the first to commit, then finds it spent and revokes the
 * family, the first one's new token included.
 */
export async function refresh(deps: AuthDeps, token: string): Promise<TokenPair> {
  const claims = await deps.tokens.verifyRefresh(token).catch(() => {
    throw unauthenticated(BAD_REFRESH);
  });
  const { store } = deps;
  const issued = await store.transaction(async (t) => {
    const row = await store.refreshTokens.byJti(claims.jti, t);
    if (!row || row.revokedAt || row.expiresAt.getTime() < Date.now()) return undefined;
    if (!(await store.refreshTokens.markUsed(row.jti, t))) {
      // Kept: the revocation must commit, so the refusal is thrown after the unit of work.
      await store.refreshTokens.revokeFamily(row.familyId, t);
      return undefined;
    }
    const user = await store.users.byId(row.userId, t);
    if (!user?.isActive) return undefined;
    return { user, jti: await recordRefresh(deps, user, row.familyId, t) };
  });
  if (!issued) throw unauthenticated(BAD_REFRESH);
  return signPair(deps, issued.user, issued.jti);
}

export async function logout({ store, tokens }: AuthDeps, token: string): Promise<void> {
  const claims = await tokens.verifyRefresh(token).catch(() => {
    throw unauthenticated(BAD_REFRESH);
  });
  await store.transaction((t) => store.refreshTokens.markUsed(claims.jti, t));
}

/**
 * The principal of an access token, with the user's current role: a token of a deactivated user, or one issued
 * before the user's sessions were ended, no longer works (within a few seconds on other processes).
 */
export async function authenticate({ tokens, accounts }: AuthDeps, accessToken: string): Promise<Principal> {
  const principal = await tokens.principal(accessToken);
  const state = await accounts.get(principal.userId);
  if (!state?.isActive || state.sessionVersion !== principal.sessionVersion) throw unauthenticated(BAD_TOKEN);
  return state.role === principal.role ? principal : { ...principal, role: state.role };
}

export async function me({ store }: AuthDeps, principal: { userId: number }): Promise<UserDto> {
  const user = await store.users.byId(principal.userId);
  if (!user?.isActive) throw unauthenticated(BAD_CREDENTIALS);
  return userDto(user);
}

/**
 * The signed-in user changes its password: the current one must be right (400 otherwise, so that a client does
 * not take it for an expired token). Every other session ends (refresh tokens revoked, access tokens refused), and
 * a new pair is returned for the caller's own session.
 */
export async function changePassword(deps: AuthDeps, principal: { userId: number }, input: PasswordChange) {
  const { store } = deps;
  const user = await store.users.byId(principal.userId);
  if (!user?.isActive) throw unauthenticated(BAD_CREDENTIALS);
  if (!(await verifyPassword(user.passwordHash, input.current_password))) {
    throw validationError({ current_password: ['The current password is not correct.'] });
  }
  const passwordHash = await hashPassword(input.new_password);
  const issued = await store.transaction(async (t) => {
    const [locked] = await store.users.lock([user.id], t);
    if (!locked?.isActive) return undefined;
    const updated = await store.users.update(locked, { passwordHash }, t, true);
    await store.refreshTokens.revokeUser(locked.id, t);
    const object = userAccountDto(updated);
    store.events.append(t, [eventOf('user.updated', { type: 'user', id: locked.id }, object, SECRET_CHANGE)]);
    return { user: updated, jti: await recordRefresh(deps, updated, randomUUID(), t) };
  });
  if (!issued) throw unauthenticated(BAD_CREDENTIALS);
  deps.accounts.changed(user.id);
  return signPair(deps, issued.user, issued.jti);
}
