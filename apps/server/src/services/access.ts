import type { Access, Role } from '@ccm/contract';
import { forbidden, unauthenticated } from './errors.js';

/** Who is calling, as proven by a valid access token. */
export interface Principal {
  userId: number;
  username: string;
  role: Role;
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
