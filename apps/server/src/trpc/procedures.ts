import {
  ApiIndexSchema,
  BulkCreateRequestSchema,
  BulkCreateResultSchema,
  ContactCreateSchema,
  ContactCursorPageSchema,
  ContactListInputSchema,
  ContactPatchSchema,
  ContactSchema,
  ContactStatsSchema,
  ContactUpdateSchema,
  CustomerContactsSchema,
  CustomerCreateSchema,
  CustomerListInputSchema,
  CustomerPatchSchema,
  CustomerSchema,
  CustomersWithContactsInputSchema,
  CustomerUpdateSchema,
  CustomerWithContactsSchema,
  contract,
  HealthSchema,
  IdInputSchema,
  LoginRequestSchema,
  numberedPage,
  PasswordChangeSchema,
  ReadySchema,
  RefreshRequestSchema,
  type RouteMetadata,
  TokenPairSchema,
  UserAccountSchema,
  UserCreateSchema,
  UserListInputSchema,
  UserPatchSchema,
  UserSchema,
} from '@ccm/contract';
import { initTRPC } from '@trpc/server';
import type { z } from 'zod';
import { MAX_JSON_DEPTH, nestsDeeperThan, tooDeep } from '../http/body.js';
import { apiIndex } from '../http/openapi.js';
import { AppError, type Paged, type Services } from '../services/index.js';
import { asTRPCError, errorFormatter } from './errors.js';
import type { Context } from './types.js';

// The tRPC adapter: each procedure calls the same service function as its REST route (http/rest.ts), with the
// contract's schemas as input and output and the contract's access. Nothing here may shape AppRouter's type but
// tRPC, zod and the contract (see router.ts): `services` is only closed over.

const t = initTRPC.context<Context>().meta<RouteMetadata>().create({ errorFormatter, isDev: false });

/** Outermost around every call: whatever it ends with becomes the TRPCError of its service error code. */
const errors = t.middleware(async ({ next, getRawInput }) => {
  const result = await next({
    // tRPC parses a query's `input` parameter itself: invalid or too deeply nested JSON there is the caller's
    // error, as in a body (http/body.ts), not a 500.
    getRawInput: () =>
      getRawInput().then(
        (input) => {
          if (nestsDeeperThan(input, MAX_JSON_DEPTH)) throw tooDeep();
          return input;
        },
        (err: unknown) => {
          if (!(err instanceof SyntaxError)) throw err;
          throw new AppError('validation', 'Malformed JSON in the input.', { non_field_errors: [err.message] });
        },
      ),
  });
  if (!result.ok) throw asTRPCError(result.error);
  return result;
});

/** A REST route's path id and body as one input: `{ id, ...body }`. */
const withId = <T extends z.ZodRawShape>(body: z.ZodObject<T>) => body.extend(IdInputSchema.shape);

/** A list input: the typed values of the REST query's parameters, all optional (`.query()` with no input is page 1). */
const listInput = <T extends z.ZodTypeAny>(query: T) => query.default({});

/** A page without the REST links: `{ count, page, page_size, results }`. */
const pageOf = <T>(p: Paged<T>) => ({ count: p.count, page: p.page, page_size: p.pageSize, results: p.results });
/** The contact list's page, with the keyset cursors when it was asked for by cursor. */
const cursorPageOf = <T>(p: Paged<T>) => ({
  ...pageOf(p),
  ...(p.cursors ? { next_cursor: p.cursors.next, previous_cursor: p.cursors.previous } : {}),
});

/** The tRPC router over the services. Its type, AppRouter, is what tRPC clients are typed with. */
export function createAppRouter(services: Services) {
  const { auth, contacts, customers, users } = services;

  /**
   * A procedure with the access the contract declares for its REST route, checked as REST does (token, rate
   * limit, role: http/authenticate.ts) before the input is read, so a caller without the right gets 401/403.
   */
  const procedure = (route: { metadata: RouteMetadata }) =>
    t.procedure
      .meta(route.metadata)
      .use(errors)
      .use(async ({ ctx, next }) => next({ ctx: { principal: await services.admit(route.metadata.access, ctx) } }));

  return t.router({
    auth: {
      login: procedure(contract.auth.login)
        .input(LoginRequestSchema)
        .output(TokenPairSchema)
        .mutation(({ input, ctx }) => auth.login(input, { address: ctx.address })),
      refresh: procedure(contract.auth.refresh)
        .input(RefreshRequestSchema)
        .output(TokenPairSchema)
        .mutation(({ input }) => auth.refresh(input.refresh)),
      logout: procedure(contract.auth.logout)
        .input(RefreshRequestSchema)
        .mutation(async ({ input }): Promise<void> => {
          await auth.logout(input.refresh);
        }),
      // `read` access: admit() has proven the principal.
      me: procedure(contract.auth.me)
        .output(UserSchema)
        .query(({ ctx }) => auth.me(ctx.principal!)),
      changePassword: procedure(contract.auth.changePassword)
        .input(PasswordChangeSchema)
        .output(TokenPairSchema)
        .mutation(({ input, ctx }) => auth.changePassword(ctx.principal!, input)),
    },

    // `admin` access: admit() has proven the principal.
    users: {
      list: procedure(contract.users.list)
        .input(listInput(UserListInputSchema))
        .output(numberedPage(UserAccountSchema))
        .query(async ({ input }) => pageOf(await users.list(input))),
      create: procedure(contract.users.create)
        .input(UserCreateSchema)
        .output(UserAccountSchema)
        .mutation(({ input }) => users.create(input)),
      get: procedure(contract.users.get)
        .input(IdInputSchema)
        .output(UserAccountSchema)
        .query(({ input }) => users.get(input.id)),
      update: procedure(contract.users.update)
        .input(withId(UserPatchSchema))
        .output(UserAccountSchema)
        .mutation(({ input: { id, ...patch }, ctx }) => users.update(ctx.principal!, id, patch)),
      revokeSessions: procedure(contract.users.revokeSessions)
        .input(IdInputSchema)
        .mutation(async ({ input }): Promise<void> => {
          await users.revokeSessions(input.id);
        }),
    },

    customers: {
      list: procedure(contract.customers.list)
        .input(listInput(CustomerListInputSchema))
        .output(numberedPage(CustomerSchema))
        .query(async ({ input }) => pageOf(await customers.list(input))),
      create: procedure(contract.customers.create)
        .input(CustomerCreateSchema)
        .output(CustomerSchema)
        .mutation(({ input }) => customers.create(input)),
      get: procedure(contract.customers.get)
        .input(IdInputSchema)
        .output(CustomerSchema)
        .query(({ input }) => customers.get(input.id)),
      update: procedure(contract.customers.update)
        .input(withId(CustomerUpdateSchema))
        .output(CustomerSchema)
        .mutation(({ input: { id, ...body } }) => customers.update(id, body)),
      patch: procedure(contract.customers.patch)
        .input(withId(CustomerPatchSchema))
        .output(CustomerSchema)
        .mutation(({ input: { id, ...body } }) => customers.update(id, body)),
      delete: procedure(contract.customers.delete)
        .input(IdInputSchema)
        .mutation(async ({ input }): Promise<void> => {
          await customers.remove(input.id);
        }),
      contacts: procedure(contract.customers.contacts)
        .input(IdInputSchema)
        .output(CustomerContactsSchema)
        .query(({ input }) => contacts.ofCustomer(input.id)),
      withContacts: procedure(contract.customers.withContacts)
        .input(listInput(CustomersWithContactsInputSchema))
        .output(numberedPage(CustomerWithContactsSchema))
        .query(async ({ input }) => pageOf(await contacts.customersWithContacts(input))),
    },

    contacts: {
      list: procedure(contract.contacts.list)
        .input(listInput(ContactListInputSchema))
        .output(ContactCursorPageSchema)
        .query(async ({ input }) => cursorPageOf(await contacts.list(input))),
      create: procedure(contract.contacts.create)
        .input(ContactCreateSchema)
        .output(ContactSchema)
        .mutation(({ input }) => contacts.create(input)),
      get: procedure(contract.contacts.get)
        .input(IdInputSchema)
        .output(ContactSchema)
        .query(({ input }) => contacts.get(input.id)),
      update: procedure(contract.contacts.update)
        .input(withId(ContactUpdateSchema))
        .output(ContactSchema)
        .mutation(({ input: { id, ...body } }) => contacts.update(id, body)),
      patch: procedure(contract.contacts.patch)
        .input(withId(ContactPatchSchema))
        .output(ContactSchema)
        .mutation(({ input: { id, ...body } }) => contacts.update(id, body)),
      delete: procedure(contract.contacts.delete)
        .input(IdInputSchema)
        .mutation(async ({ input }): Promise<void> => {
          await contacts.remove(input.id);
        }),
      setPrimary: procedure(contract.contacts.setPrimary)
        .input(IdInputSchema)
        .output(ContactSchema)
        .mutation(({ input }) => contacts.setPrimary(input.id)),
      toggleStatus: procedure(contract.contacts.toggleStatus)
        .input(IdInputSchema)
        .output(ContactSchema)
        .mutation(({ input }) => contacts.toggleStatus(input.id)),
      // As REST: each item succeeds or fails on its own; nothing created is a BAD_REQUEST (the service throws).
      bulkCreate: procedure(contract.contacts.bulkCreate)
        .input(BulkCreateRequestSchema)
        .output(BulkCreateResultSchema)
        .mutation(({ input }) => contacts.bulkCreate(input.contacts)),
      stats: procedure(contract.contacts.stats)
        .output(ContactStatsSchema)
        .query(() => contacts.stats()),
    },

    health: {
      index: procedure(contract.health.index)
        .output(ApiIndexSchema)
        .query(() => apiIndex),
      health: procedure(contract.health.health)
        .output(HealthSchema)
        .query(() => ({ status: 'ok' as const })),
      ready: procedure(contract.health.ready)
        .output(ReadySchema)
        .query(async () => {
          await services.ready();
          return { status: 'ready' as const, database: 'ok' as const };
        }),
    },
  });
}
