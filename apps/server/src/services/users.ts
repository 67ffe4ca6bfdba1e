import { type UserAccount, type UserCreate, UserCreateSchema, type UserListQuery, type UserPatch } from '@ccm/contract';
import type { Store, UnitOfWork } from '../db/index.js';
import { violatedColumns } from '../db/index.js';
import type { Principal } from './access.js';
import type { AccountStates } from './accounts.js';
import { userAccountDto } from './dto.js';
import { fieldErrorsFromZod, forbidden, notFound, validationError } from './errors.js';
import { changesOf, eventOf } from './events.js';
import { offsetOf, type Paged, paged } from './pagination.js';
import { hashPassword } from './passwords.js';

const NOT_FOUND = 'User not found.';
const DUPLICATE = 'A user with that username already exists.';

/**
 * A new user as the API, the CLI and the first start give it. The API's e-mail is checked by the contract; the
 * CLI and the first start may leave it out (`<username>@localhost`).
 */
const NewUserSchema = UserCreateSchema.omit({ email: true });
export type NewUser = Omit<UserCreate, 'email'> & { email?: string };

/** The change of a user under both rows' locks, recorded; the acting admin must still be one. */
async function changeUser(store: Store, principal: Principal, id: number, patch: UserPatch, t: UnitOfWork) {
  const locked = await store.users.lock([principal.userId, id], t);
  const actor = locked.find((u) => u.id === principal.userId);
  const target = locked.find((u) => u.id === id);
  if (!actor?.isActive || actor.role !== 'admin') throw forbidden();
  if (!target) throw notFound(NOT_FOUND);
  const values: { role?: UserPatch['role']; isActive?: boolean } = {};
  if (patch.role !== undefined) values.role = patch.role;
  if (patch.is_active !== undefined) values.isActive = patch.is_active;
  const deactivated = patch.is_active === false && target.isActive;
  const updated = await store.users.update(target, values, t, deactivated);
  if (deactivated) await store.refreshTokens.revokeUser(target.id, t);
  const [before, after] = [userAccountDto(target), userAccountDto(updated)];
  const changes = changesOf(before, after);
  if (Object.keys(changes).length > 0) {
    store.events.append(t, [eventOf('user.updated', { type: 'user', id }, after, changes)]);
  }
  return after;
}

/**
 * User administration (admin only, by the contract). A change to a user's role, active flag or sessions takes
 * effect on its next request in this process and within seconds on the others (services/accounts.ts):
 * deactivating a user or revoking its sessions ends them, refresh and access tokens alike.
 */
export function usersService(store: Store, accounts: AccountStates) {
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

    /** The one way users are made: the API, the CLI and the first start all check the contract's rules here. */
    async create(input: NewUser): Promise<UserAccount> {
      const parsed = NewUserSchema.safeParse(input);
      if (!parsed.success) throw validationError(fieldErrorsFromZod(parsed.error));
      const { username, password, role } = parsed.data;
      if (await store.users.byUsername(username)) throw validationError({ username: [DUPLICATE] });
      const passwordHash = await hashPassword(password);
      const email = input.email ?? `${username}@localhost`;
      // The answer is the transaction's own value (an Idempotency-Key's stored answer commits with the user).
      return store
        .transaction(async (t) => {
          const created = userAccountDto(await store.users.create({ username, email, passwordHash, role }, t));
          store.events.append(t, [eventOf('user.created', { type: 'user', id: created.id }, created)]);
          return created;
        })
        .catch((err: unknown) => {
          // A concurrent create of the same username: the unique index decides.
          if (violatedColumns(err)) throw validationError({ username: [DUPLICATE] });
          throw err;
        });
    },

    /**
     * An admin cannot demote or deactivate itself (400), and the acting admin must still be one when the
     * change commits (403 otherwise): both rows are locked, so that admins demoting each other at the same
     * moment cannot leave none.
     */
    async update(principal: Principal, id: number, patch: UserPatch): Promise<UserAccount> {
      if (id === principal.userId) {
        if (patch.role !== undefined && patch.role !== 'admin') {
          throw validationError({ role: ['You cannot change your own role.'] });
        }
        if (patch.is_active === false) throw validationError({ is_active: ['You cannot deactivate yourself.'] });
      }
      const user = await store.transaction((t) => changeUser(store, principal, id, patch, t));
      accounts.changed(id);
      return user;
    },

    /**
     * Sets a user's password from outside the API (`pnpm cli reset-password`, for an admin locked out): the
     * contract's password rule holds, and every session of the user ends.
     */
    async resetPassword(username: string, password: string): Promise<UserAccount> {
      const parsed = UserCreateSchema.shape.password.safeParse(password);
      if (!parsed.success) throw validationError({ password: parsed.error.issues.map((i) => i.message) });
      const found = await store.users.byUsername(username);
      if (!found) throw notFound(`No user is named "${username}".`);
      const passwordHash = await hashPassword(parsed.data);
      const user = await store.transaction(async (t) => {
        const [locked] = await store.users.lock([found.id], t);
        if (!locked) throw notFound(`No user is named "${username}".`);
        const updated = await store.users.update(locked, { passwordHash }, t, true);
        await store.refreshTokens.revokeUser(locked.id, t);
        return updated;
      });
      accounts.changed(user.id);
      return userAccountDto(user);
    },

    /** Ends every session of the user: its refresh tokens are revoked and its access tokens refused. */
    async revokeSessions(id: number): Promise<void> {
      await store.transaction(async (t) => {
        const [user] = await store.users.lock([id], t);
        if (!user) throw notFound(NOT_FOUND);
        await store.users.update(user, {}, t, true);
        await store.refreshTokens.revokeUser(user.id, t);
      });
      accounts.changed(id);
    },
  };
}

export type UsersService = ReturnType<typeof usersService>;
