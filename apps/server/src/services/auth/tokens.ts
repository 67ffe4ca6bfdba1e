import { randomUUID } from 'node:crypto';
import type { TokenPair } from '@ccm/contract';
import type { Store, UnitOfWork, UserRecord } from '../../db/index.js';
import type { AccountStates } from '../accounts.js';
import { userDto } from '../dto.js';
import type { loginThrottle } from '../limits.js';
import type { TokenIssuer } from '../tokens.js';

/** What the sign-in operations work with. */
export interface AuthDeps {
  store: Store;
  tokens: TokenIssuer;
  accounts: AccountStates;
  throttle: ReturnType<typeof loginThrottle>;
}

export const BAD_CREDENTIALS = 'No active account found with the given credentials';
export const BAD_REFRESH = 'Token is invalid or expired';
export const BAD_TOKEN = 'Given token not valid for any token type';

/** Records a new refresh token of `familyId` in the caller's unit of work; the pair is signed after it commits. */
export async function recordRefresh({ store, tokens }: AuthDeps, user: UserRecord, familyId: string, t: UnitOfWork) {
  const jti = randomUUID();
  const expiresAt = new Date(Date.now() + tokens.refreshTtl * 1000);
  await store.refreshTokens.insert({ jti, userId: user.id, familyId, expiresAt }, t);
  return jti;
}

export async function signPair({ tokens }: AuthDeps, user: UserRecord, jti: string): Promise<TokenPair> {
  const [access, refresh] = await Promise.all([tokens.access(user), tokens.refresh(user.id, jti)]);
  return { access, refresh, token_type: 'Bearer', expires_in: tokens.accessTtl, user: userDto(user) };
}
