import type { Access, Role } from '@ccm/contract';
import { AppError, forbidden, unauthenticated } from './errors.js';
import type { Caller } from './limits.js';

/** Who is calling, as proven by a valid access token, with the user's current role. */
export interface Principal {
  userId: number;
  username: string;
  role: Role;
  /** The session version the token was issued under (services/accounts.ts). */
  sessionVersion: number;
}

const allowed: Record<Exclude<Access, 'public'>, readonly Role[]> = {
  read: ['admin', 'staff', 'viewer'],
  write: ['admin', 'staff'],
  admin: ['admin'],
};

/** The one check of the contract's per-route access: 401 without a principal, 403 for a role that may not. */
export function authorize(principal: Principal | undefined, access: Access): void {
  if (access === 'public') return;
  if (!principal) throw unauthenticated();
  if (!allowed[access].includes(principal.role)) throw forbidden();
}

const BEARER = /^Bearer ([\w-]+\.[\w-]*\.[\w-]*)$/i;

/** What a transport knows of a call: its Authorization header and the client's address. */
export interface CallerInfo {
  authorization?: string;
  address?: string;
}

/**
 * Admits a call to an operation with the given access, or throws 401/403/429: the bearer token (read only when
 * the access needs it), the rate limit, then the role. The REST routes and the tRPC procedures both call this.
 * The rate limit comes before the token's verdict, so that a flood of bad tokens is limited too (by address).
 */
export function admission(
  authenticate: (token: string) => Promise<Principal>,
  throttle: (caller: Caller) => Promise<void>,
) {
  return async (access: Access, call: CallerInfo): Promise<Principal | undefined> => {
    let principal: Principal | undefined;
    let refusal: unknown;
    if (access !== 'public' && call.authorization) {
      const token = BEARER.exec(call.authorization)?.[1];
      try {
        if (!token) throw new AppError('unauthenticated', 'Given token not valid for any token type');
        principal = await authenticate(token);
      } catch (err) {
        refusal = err;
      }
    }
    await throttle({ principal, address: call.address });
    if (refusal) throw refusal;
    authorize(principal, access);
    return principal;
  };
}
