import {
  type Contract,
  contract,
  type IsStreamed,
  type Nothing,
  type Paging,
  type RpcArgs,
  routeEntries,
  type SuccessDataOf,
} from '@ccm/contract';
import type { AppRoute } from '@ts-rest/core';
import type { z } from 'zod';
import { docsPage } from './http/docs.js';
import { apiIndex, openApiDocument } from './http/openapi.js';
import { type EventActor, type Paged, type Principal, type Services, withActor } from './services/index.js';

/**
 * Every operation of the API, once: the contract route it serves (by its place in this table), the service call
 * that does it, and its success message (and, where the contract allows more than one, its status). The REST
 * router (http/rest.ts) and the tRPC router (trpc/procedures.ts) are both made from this table and the contract;
 * neither holds code of its own for any operation. A new operation is one route in the contract and one entry
 * here.
 */

/** What every operation gets from its transport, REST or tRPC alike. */
export interface CallContext {
  /** The caller, proven by its token (the contract's access has been checked already). */
  principal?: Principal;
  /** The client's address, as Express sees it (`trust proxy`). */
  address?: string;
  requestId?: string;
  /** The request's `If-Match` header: a conditional write (services/preconditions.ts). */
  ifMatch?: string;
  /** The request's `Idempotency-Key` header (services/idempotency.ts). */
  idempotencyKey?: string;
  /** The request's `X-Consistency-Token` header (services/consistency.ts). */
  consistencyToken?: string;
}

/** What a route's service call answers: a page for a list, nothing for a 204 or a `data: null`, else the data. */
type DataOf<R> = R extends { responses: infer S } ? (204 extends keyof S ? Nothing : SuccessDataOf<R>) : never;
type ResultOf<D> = D extends { paging: Paging; item: infer I extends z.ZodTypeAny }
  ? Paged<z.output<I>>
  : D extends z.ZodNull
    ? Nothing
    : D extends z.ZodTypeAny
      ? z.output<D>
      : Nothing;

/**
 * What a streamed route's service call answers (contacts.export): its records a page at a time, the first page
 * read already, so that a failure to start is an ordinary error answer (http/stream.ts writes the file).
 */
export type RecordPages = AsyncIterable<readonly object[]>;

export interface Operation<R, Result = IsStreamed<R> extends true ? RecordPages : ResultOf<DataOf<R>>> {
  run(services: Services, input: RpcArgs<R>, ctx: CallContext): Promise<Result>;
  /** The success envelope's message (REST). */
  message: string | ((result: Result) => string);
  /** When the contract allows several success statuses (bulk create: 201, 207), which one (REST). */
  status?(result: Result): number;
  /** The envelope's `success` when it may be false on a success status (207). */
  success?(result: Result): boolean;
  /** A versioned record's version: REST sends it as the answer's ETag (and answers 304 to a GET that has it). */
  version?(result: Result): number;
  /** The write takes `If-Match` (ctx.ifMatch): it changes the record only at that version. */
  conditional?: true;
  /**
   * Why an Idempotency-Key is ignored here: an answer that holds tokens is never stored (docs/api.md). Every other
   * write stores its answer under the key.
   */
  unkeyed?: string;
  /**
   * A read that must see the newest state, on the primary (services/consistency.ts): the change feed and the
   * histories, which a client reads to learn of changes and then reads the records they name.
   */
  newest?: true;
}

export type AnyOperation = Operation<AppRoute, unknown>;

export type OperationTable<C> = { [K in keyof C]: C[K] extends AppRoute ? Operation<C[K]> : OperationTable<C[K]> };

/** The caller of a route whose access needs a signed-in user (the adapters have checked it). */
const caller = (ctx: CallContext): Principal => ctx.principal!;
const versioned = { version: (record: { version: number }) => record.version };
const conditional = true as const;
const TOKENS = 'its answer holds tokens, which are never stored';
const SECRET = "its answer may hold the webhook's signing secret, which is never stored twice";

export const operations: OperationTable<Contract> = {
  auth: {
    login: {
      message: 'Login successful',
      unkeyed: TOKENS,
      run: (s, input, ctx) => s.auth.login(input, { address: ctx.address }),
    },
    refresh: {
      message: 'Token refreshed successfully',
      unkeyed: TOKENS,
      run: (s, input) => s.auth.refresh(input.refresh),
    },
    logout: {
      message: 'Logged out successfully',
      unkeyed: 'a spent refresh token stays spent: a repeat is refused as the first one was not',
      run: (s, input) => s.auth.logout(input.refresh),
    },
    me: { message: 'User retrieved successfully', run: (s, _, ctx) => s.auth.me(caller(ctx)) },
    changePassword: {
      message: 'Password changed successfully',
      unkeyed: TOKENS,
      run: (s, input, ctx) => s.auth.changePassword(caller(ctx), input),
    },
  },
  users: {
    list: { message: 'Users retrieved successfully', run: (s, input) => s.users.list(input) },
    create: { message: 'User created successfully', run: (s, input) => s.users.create(input) },
    get: { message: 'User retrieved successfully', run: (s, input) => s.users.get(input.id) },
    update: {
      message: 'User updated successfully',
      run: (s, { id, ...patch }, ctx) => s.users.update(caller(ctx), id, patch),
    },
    revokeSessions: { message: 'Sessions revoked successfully', run: (s, input) => s.users.revokeSessions(input.id) },
  },
  customers: {
    list: { message: 'Customers retrieved successfully', run: (s, input) => s.customers.list(input) },
    create: { message: 'Customer created successfully', ...versioned, run: (s, input) => s.customers.create(input) },
    lookup: {
      message: 'Customers looked up successfully',
      unkeyed: 'a lookup changes nothing: there is no answer to keep',
      run: (s, input) => s.customers.lookup(input.references),
    },
    get: { message: 'Customer retrieved successfully', ...versioned, run: (s, input) => s.customers.get(input.id) },
    update: {
      message: 'Customer updated successfully',
      ...versioned,
      conditional,
      run: (s, { id, ...body }, ctx) => s.customers.update(id, body, ctx.ifMatch),
    },
    patch: {
      message: 'Customer updated successfully',
      ...versioned,
      conditional,
      run: (s, { id, ...body }, ctx) => s.customers.update(id, body, ctx.ifMatch),
    },
    delete: {
      message: 'Customer deleted successfully',
      conditional,
      run: (s, input, ctx) => s.customers.remove(input.id, ctx.ifMatch),
    },
    contacts: {
      message: 'Customer contacts retrieved successfully',
      run: (s, input) => s.contacts.ofCustomer(input.id),
    },
    history: {
      message: 'Customer history retrieved successfully',
      newest: true,
      run: (s, { id, ...page }) => s.events.history({ type: 'customer', id }, page),
    },
    withContacts: {
      message: 'Customers with contacts retrieved successfully',
      run: (s, input) => s.contacts.customersWithContacts(input),
    },
  },
  contacts: {
    list: { message: 'Contacts retrieved successfully', run: (s, input) => s.contacts.list(input) },
    create: {
      message: 'Customer contact created successfully',
      ...versioned,
      run: (s, input) => s.contacts.create(input),
    },
    stats: { message: 'Contact statistics retrieved successfully', run: (s) => s.contacts.stats() },
    bulkCreate: {
      run: (s, input) => s.contacts.bulkCreate(input.contacts),
      message: (r) =>
        r.errors.length === 0
          ? `Created ${r.created_contacts.length} contacts successfully`
          : `Created ${r.created_contacts.length} contacts, ${r.errors.length} failed`,
      status: (r) => (r.errors.length === 0 ? 201 : 207),
      success: (r) => r.errors.length === 0,
    },
    export: { message: 'Contacts exported successfully', run: (s, input) => s.contacts.exportPages(input) },
    get: { message: 'Contact retrieved successfully', ...versioned, run: (s, input) => s.contacts.get(input.id) },
    update: {
      message: 'Contact updated successfully',
      ...versioned,
      conditional,
      run: (s, { id, ...body }, ctx) => s.contacts.update(id, body, ctx.ifMatch),
    },
    patch: {
      message: 'Contact updated successfully',
      ...versioned,
      conditional,
      run: (s, { id, ...body }, ctx) => s.contacts.update(id, body, ctx.ifMatch),
    },
    delete: {
      message: 'Contact deleted successfully',
      conditional,
      run: (s, input, ctx) => s.contacts.remove(input.id, ctx.ifMatch),
    },
    setPrimary: {
      message: 'Contact set as primary successfully',
      ...versioned,
      conditional,
      run: (s, input, ctx) => s.contacts.setPrimary(input.id, ctx.ifMatch),
    },
    toggleStatus: {
      ...versioned,
      conditional,
      run: (s, input, ctx) => s.contacts.toggleStatus(input.id, ctx.ifMatch),
      message: (c) => `Contact ${c.is_active ? 'activated' : 'deactivated'} successfully`,
    },
    history: {
      message: 'Contact history retrieved successfully',
      newest: true,
      run: (s, { id, ...page }) => s.events.history({ type: 'contact', id }, page),
    },
  },
  events: {
    list: { message: 'Events retrieved successfully', newest: true, run: (s, input) => s.events.feed(input) },
  },
  webhooks: {
    list: { message: 'Webhooks retrieved successfully', run: (s, input) => s.webhooks.list(input) },
    create: { message: 'Webhook created successfully', unkeyed: SECRET, run: (s, input) => s.webhooks.create(input) },
    get: { message: 'Webhook retrieved successfully', run: (s, input) => s.webhooks.get(input.id) },
    update: {
      message: 'Webhook updated successfully',
      unkeyed: SECRET,
      run: (s, { id, ...patch }) => s.webhooks.update(id, patch),
    },
    delete: { message: 'Webhook deleted successfully', run: (s, input) => s.webhooks.remove(input.id) },
    deliveries: {
      message: 'Deliveries retrieved successfully',
      run: (s, { id, ...query }) => s.deliveries.list(id, query),
    },
    retryDelivery: {
      message: 'Delivery queued to be sent again',
      run: (s, input) => s.deliveries.retry(input.id, input.delivery_id),
    },
    test: { message: 'Ping queued', run: (s, input) => s.deliveries.ping(input.id) },
  },
  health: {
    index: { message: 'ccm: Customer Contact Management API', run: async () => apiIndex },
    health: { message: 'OK', run: async () => ({ status: 'ok' as const }) },
    ready: {
      message: 'Ready',
      run: async (s) => {
        const replicas = await s.ready();
        return { status: 'ready' as const, database: 'ok' as const, ...(replicas ? { replicas } : {}) };
      },
    },
  },
  docs: {
    openapi: { message: 'OpenAPI document', run: async () => openApiDocument(operationOf) },
    page: { message: 'API reference', run: async () => docsPage },
  },
};

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * What an operation answered, whether it is a stored answer given again (Idempotency-Key), and the consistency
 * token to answer with (a write's; services/consistency.ts).
 */
export interface Performed {
  result: unknown;
  replayed: boolean;
  consistencyToken?: string;
}

/**
 * Runs an operation for either adapter, its reads routed to the primary or a replica (services/consistency.ts): a
 * write with an Idempotency-Key, by a signed-in user, runs once per user and key (services/idempotency.ts), its
 * answer stored; anything else simply runs.
 */
export async function perform(
  services: Services,
  entry: { name: string; route: AppRoute },
  op: AnyOperation,
  input: unknown,
  ctx: CallContext,
): Promise<Performed> {
  const reads = WRITES.has(entry.route.method) ? 'write' : op.newest ? 'primary' : 'replica';
  const call = { userId: ctx.principal?.userId, token: ctx.consistencyToken, reads } as const;
  const { value, token } = await services.consistency.run(call, () => performOnce(services, entry, op, input, ctx));
  return token ? { ...value, consistencyToken: token } : value;
}

async function performOnce(
  services: Services,
  { name, route }: { name: string; route: AppRoute },
  op: AnyOperation,
  input: unknown,
  ctx: CallContext,
): Promise<Performed> {
  // Every change the operation makes is recorded under its caller and request (services/events.ts).
  const actor: EventActor = ctx.principal
    ? { type: 'user', id: ctx.principal.userId, username: ctx.principal.username }
    : { type: 'system' };
  const run = () => withActor(actor, ctx.requestId ?? null, () => op.run(services, input as never, ctx));
  const userId = ctx.principal?.userId;
  if (ctx.idempotencyKey === undefined || op.unkeyed || userId === undefined || !WRITES.has(route.method)) {
    return { result: await run(), replayed: false };
  }
  const call = { userId, key: ctx.idempotencyKey, operation: name, input, ifMatch: ctx.ifMatch };
  return services.idempotency.run(call, run);
}

/** The entry of the operation table at a route's dotted name (`contacts.setPrimary`). */
export function operationAt(name: string): AnyOperation {
  const found = name.split('.').reduce<unknown>((node, key) => (node as Record<string, unknown>)?.[key], operations);
  if (!found) throw new Error(`no operation for the contract route ${name}`);
  return found as AnyOperation;
}

/** The entry of the operation table serving a route of the contract. */
export function operationOf(route: AppRoute): AnyOperation {
  operationByRoute ??= new Map(routeEntries(contract).map((e) => [e.route, operationAt(e.name)]));
  const op = operationByRoute.get(route);
  if (!op) throw new Error(`no operation for the route ${route.method} ${route.path}`);
  return op;
}
let operationByRoute: Map<AppRoute, AnyOperation> | undefined;

/** Puts `value` at a dotted name in a nested record (how both adapters mirror the contract's nesting). */
export function setAt(record: Record<string, unknown>, name: string, value: unknown): void {
  const path = name.split('.');
  const parent = path.slice(0, -1).reduce<Record<string, unknown>>((node, key) => {
    node[key] ??= {};
    return node[key] as Record<string, unknown>;
  }, record);
  parent[path[path.length - 1]!] = value;
}
