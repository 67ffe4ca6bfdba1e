import type { UserAccount, UserCreate, UserListQuery, UserPatch } from '@ccm/contract';
import type { Store } from '../db/index.js';
import { violatedColumns } from '../db/index.js';
import type { Principal } from './access.js';
import { userAccountDto } from './dto.js';
import { notFound, validationError } from './errors.js';
import { offsetOf, type Paged, paged } from './pagination.js';
import { hashPassword } from './passwords.js';

const NOT_FOUND = 'User not found.';
const DUPLICATE = 'A user with that username already exists.';

/**
 * User administration (admin only, by the contract). Deactivating a user revokes its refresh tokens at once;
 * an access token it already holds keeps working until it expires (ACCESS_TOKEN_TTL, 15 minutes by default),
 * since access tokens are verified without a database read.
 */
export function usersService(store: Store) {
  async function find(id: number) {
    const user = await store.users.byId(id);
    if (!user) throw notFound(NOT_FOUND);
    return user;
  }

  return {
    async list(query: UserListQuery): Promise<Paged<UserAccount>> {
      const { count, rows } = await store.users.list(query.page_size, offsetOf(query));
      return paged(query, count, rows.map(userAccountDto));
    },

    get: async (id: number): Promise<UserAccount> => userAccountDto(await find(id)),

    async create(input: UserCreate): Promise<UserAccount> {
      if (await store.users.byUsername(input.username)) throw validationError({ username: [DUPLICATE] });
      const user = await store.users
        .create({
          username: input.username,
          email: input.email,
          passwordHash: await hashPassword(input.password),
          role: input.role,
        })
        .catch((err: unknown) => {
          // A concurrent create of the same username: the unique index decides.
          if (violatedColumns(err)) throw validationError({ username: [DUPLICATE] });
          throw err;
        });
      return userAccountDto(user);
    },

    /** An admin cannot demote or deactivate itself (400), so an active admin always remains. */
    async update(principal: Principal, id: number, patch: UserPatch): Promise<UserAccount> {
      const user = await find(id);
      if (user.id === principal.userId) {
        if (patch.role !== undefined && patch.role !== 'admin') {
          throw validationError({ role: ['You cannot change your own role.'] });
        }
        if (patch.is_active === false) throw validationError({ is_active: ['You cannot deactivate yourself.'] });
      }
      const values: { role?: UserPatch['role']; isActive?: boolean } = {};
      if (patch.role !== undefined) values.role = patch.role;
      if (patch.is_active !== undefined) values.isActive = patch.is_active;
      if (Object.keys(values).length > 0) await store.users.update(user, values);
      if (patch.is_active === false) await store.refreshTokens.revokeUser(user.id);
      return userAccountDto(user);
    },

    async revokeSessions(id: number): Promise<void> {
      const user = await find(id);
      await store.refreshTokens.revokeUser(user.id);
    },
  };
}

export type UsersService = ReturnType<typeof usersService>;
