/**
 * `@ccm/sdk/trpc`: the tRPC flavour of the SDK, an entry point of its own so that a REST-only app never loads
 * @trpc/client. The same operations as REST, served at `<baseUrl>/trpc`, typed by the server's router, and the
 * subscription `events.onChange` over server-sent events (trpc-subscriptions.ts).
 * `AppRouter` is a type only, written in terms of tRPC, zod and the contract (apps/server/src/trpc/router.ts):
 * nothing of the server runs here, and the published declarations inline it (@ccm/server is a devDependency),
 * so that users never install the server.
 */
import type { AppRouter } from '@ccm/server/trpc';
import {
  createTRPCClient,
  httpLink,
  type Operation,
  splitLink,
  type TRPCClient,
  TRPCClientError,
  type TRPCLink,
} from '@trpc/client';
import { ConsistencyTokens } from './consistency.js';
import { type CcmFetch, createFetch } from './fetch.js';
import { ifMatchHeader, UNKEYED_OPERATIONS } from './idempotency.js';
import { DEFAULT_RETRY, type RetryOptions } from './retry.js';
import { createSender, type FetchLike } from './send.js';
import { renewingLink, type SubscriptionOptions, subscriptionLink } from './trpc-subscriptions.js';

export type { CcmFetch, CcmFetchInit } from './fetch.js';
export type { EventSourceClass, SubscriptionOptions } from './trpc-subscriptions.js';
export type { AppRouter };

/**
 * A REST client (`createClient(...)`) to borrow the session, retries and time limits of: only these members
 * (`getAccessToken`, for the subscriptions' connections, which cannot go through `fetch`).
 */
export interface TrpcSessionSource {
  readonly baseUrl: string;
  fetch: CcmFetch;
  getAccessToken?(): Promise<string | undefined>;
}

/** Where the access token comes from, without a REST client: a fixed one, or a function asked before every call. */
type TokenSource =
  | {
      /** An access token sent with every call (`Authorization: Bearer <token>`). */
      token?: string;
      getToken?: never;
    }
  | {
      token?: never;
      /** Asked before every call for the current access token (nothing: the call goes without one). */
      getToken: () => string | null | undefined | Promise<string | null | undefined>;
    };

/** A tRPC client on its own: a token, and its own retries and time limits (no session renewal). */
export type StandaloneTrpcOptions = TokenSource &
  SubscriptionOptions & {
    /** The server's address, as for `createClient`: `http://127.0.0.1:8000` (tRPC answers under `/trpc`). */
    baseUrl: string;
    /** A `fetch` implementation (default: the global one). */
    fetch?: FetchLike;
    /** Time budget of each call, retries included (default 30,000 ms; `0` for none). */
    timeoutMs?: number;
    /** Retries, as for `createClient` (default 2); `false` for none. */
    retry?: RetryOptions | false;
    /** Headers sent with every request. */
    headers?: Record<string, string>;
    client?: never;
  };

export type TrpcClientOptions =
  | StandaloneTrpcOptions
  | (SubscriptionOptions & {
      /**
       * The REST client whose session (token, renewal before expiry and after a 401), retries, time limits and
       * idempotency keys every tRPC call uses; subscriptions use its session's token.
       */
      client: TrpcSessionSource;
    });

/** What a tRPC call may carry in its `context`: `trpc.contacts.patch.mutate(input, { context: { ifMatch } })`. */
export interface TrpcCallContext {
  /** The mutation's `Idempotency-Key` (default: a new one per mutation, the same for its retries). */
  idempotencyKey?: string;
  /** `If-Match`: the record's `etag` (`"7"`) or `version` (7). */
  ifMatch?: string | number;
}

/** The tRPC client: `trpc.contacts.list.query({ search: 'john' })`, `trpc.contacts.create.mutate({...})`. */
export type CcmTrpcClient = TRPCClient<AppRouter>;

/** An error answered by the tRPC endpoint (or a failed request), with `data.appCode` and `data.fieldErrors`. */
export type CcmTrpcError = TRPCClientError<AppRouter>;

/**
 * A tRPC client of the ccm API. One call per request (the server does not batch). Given `client` (a REST client),
 * it shares that client's session, retries and time limits; given `baseUrl` and a token, it has its own retries
 * and time limits. Errors are `TRPCClientError`s: `err.data.code` (`UNAUTHORIZED`, `PRECONDITION_FAILED`...),
 * `err.data.appCode` and, for invalid input, `err.data.fieldErrors`; a call without an answer has the SDK's
 * CcmNetworkError or CcmTimeoutError as `err.cause`. Subscriptions go over server-sent events (see
 * {@link SubscriptionOptions}), without the retries and time limits of calls: they reconnect and resume by themselves.
 *
 * @example
 * const trpc = createTrpcClient({ client: ccm });
 * const page = await trpc.contacts.list.query({ search: 'john', page_size: 10 });
 * const sub = trpc.events.onChange.subscribe({ after: cursor }, { onData: ({ id, data }) => save(id, data) });
 */
export function createTrpcClient(options: TrpcClientOptions): CcmTrpcClient {
  const { source, accessToken, fetch, headers } = connectionOf(options);
  const streams = { EventSource: options.EventSource, fetch, headers };
  return createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === 'subscription',
        true: [renewingLink(), subscriptionLink(source.baseUrl, accessToken, streams)],
        false: callLink(source),
      }),
    ],
  });
}

/** Where calls go through and where the subscriptions' token comes from: the REST client, or the options. */
function connectionOf(options: TrpcClientOptions) {
  if ('client' in options && options.client) {
    const { client } = options;
    return { source: client, accessToken: async () => client.getAccessToken?.() };
  }
  const own = options as StandaloneTrpcOptions;
  return {
    source: standalone(own),
    accessToken: async () => (own.getToken ? own.getToken() : own.token),
    fetch: own.fetch,
    headers: own.headers,
  };
}

/** Queries and mutations: one request each, through the source's `fetch` (session, retries, time limits, keys). */
function callLink(source: TrpcSessionSource): TRPCLink<AppRouter> {
  return httpLink({
    url: `${source.baseUrl}/trpc`,
    headers: ({ op }) => contextHeaders(op),
    fetch: (input, init) => {
      const procedure = procedureOf(String(input));
      return source.fetch(String(input), {
        ...(init as RequestInit),
        operation: procedure,
        idempotencyKey: UNKEYED_OPERATIONS.has(procedure) ? false : undefined,
        authenticate: !PUBLIC_PROCEDURES.has(procedure),
      });
    },
  });
}

/** Whether an error comes from a tRPC call (then `data` holds the server's error data, when it answered). */
export const isTrpcError = (error: unknown): error is CcmTrpcError => error instanceof TRPCClientError;

/** Procedures that take no token: signing in, renewing and out. */
const PUBLIC_PROCEDURES: ReadonlySet<string> = new Set(['auth.login', 'auth.refresh', 'auth.logout']);

/** A `fetch` through a sender of its own: the given token, retries and time limits, no renewal. */
function standalone(options: StandaloneTrpcOptions): TrpcSessionSource {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const { token, getToken = () => token } = options;
  const send = createSender({
    fetch: options.fetch,
    timeoutMs: options.timeoutMs ?? 30_000,
    retry: options.retry === false ? { ...DEFAULT_RETRY, retries: 0 } : { ...DEFAULT_RETRY, ...options.retry },
    headers: options.headers ?? {},
    auth: { accessToken: async () => (await getToken()) ?? undefined, renewAfter401: async () => false },
    consistency: new ConsistencyTokens(),
  });
  return { baseUrl, fetch: createFetch(send, baseUrl) };
}

/** The procedure a request calls: the last segment of its path (`contacts.list`). */
function procedureOf(url: string): string {
  const path = new URL(url).pathname;
  return decodeURIComponent(path.slice(path.lastIndexOf('/') + 1));
}

function contextHeaders(op: Operation): Record<string, string> {
  const context = (op.context ?? {}) as TrpcCallContext;
  const headers: Record<string, string> = {};
  if (typeof context.idempotencyKey === 'string') headers['idempotency-key'] = context.idempotencyKey;
  if (context.ifMatch !== undefined) headers['if-match'] = ifMatchHeader(context.ifMatch);
  return headers;
}
