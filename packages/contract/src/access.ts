/**
 * Who may call an operation. The contract declares it per route; the REST and tRPC adapters both enforce it
 * through the same service function, so the rule is written once.
 * - public: no token
 * - read: any signed-in user
 * - write: admin or staff (a viewer gets 403)
 * - admin: admin only
 */
export type Access = 'public' | 'read' | 'write' | 'admin';
export type RouteMetadata = { readonly access: Access };

export const meta = (access: Access): RouteMetadata => ({ access });
