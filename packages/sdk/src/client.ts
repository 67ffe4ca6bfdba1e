import { type Contract, contract, type Event, routeEntries, type TokenPair } from '@ccm/contract';
import { type ApiFetcherArgs, type AppRoute, type InitClientReturn, initClient } from '@ts-rest/core';
import { ConsistencyTokens } from './consistency.js';
import type { CcmApiError } from './errors.js';
import { type ContactExport, type ContactExportInput, exportMethod } from './export.js';
import { createFetch } from './fetch.js';
import { type RawRouter, throwOnError, wrapRouter } from './methods.js';
import { iterate, iterateEvents, type ListEvents, type ListPage } from './paging.js';
import { DEFAULT_RETRY, type RetryOptions } from './retry.js';
import { createSender, type FetchLike } from './send.js';
import { Session } from './session.js';
import { type SessionApi, sessionApi } from './session-api.js';
import { MemoryTokenStore, type TokenStore, type Tokens } from './tokens.js';
import { createTransport, type TransportOptions, type TransportResponse } from './transport.js';
import type { CallOptions, ListQuery, Methods, WithEtag } from './types.js';

export interface ClientOptions {
  /**
   * Where the server is, without the `/api` of the routes: `https://ccm.example.com` or, behind a proxy that
   * adds a prefix, `https://example.com/ccm`.
   */
  baseUrl: string;
  /** Start signed in with this token pair (written to the token store). */
  tokens?: Tokens;
  /** Where the tokens live (default: in memory). Implement {@link TokenStore} to persist a session. */
  tokenStore?: TokenStore;
  /** Called once when the server refuses the refresh token: the tokens are cleared; sign in again. */
  onSessionExpired?: (error: CcmApiError) => void;
  /** Renew the access token when less than this is left of it (default 30 s; at most a tenth of its lifetime). */
  refreshLeewaySeconds?: number;
  /** Time budget of each call, retries included (default 30,000 ms; `0` for none). */
  timeoutMs?: number;
  /**
   * Retries (default 2, full-jitter backoff from 200 ms up to 5 s, `Retry-After` honoured up to 60 s): after a 429,
   * and after a network error or a 502/503/504 for GET, PUT, DELETE and every keyed call; `false` for none.
   */
  retry?: RetryOptions | false;
  /** Headers sent with every request. */
  headers?: Record<string, string>;
  /** A `fetch` to use instead of the global one (a proxy agent, instrumentation, tests...). */
  fetch?: FetchLike;
  /** Check every success body against the contract's zod schema (default false). */
  validateResponses?: boolean;
}

/** The ts-rest client options the SDK uses; `client.raw` is typed from them. */
export type RawClientArgs = {
  baseUrl: string;
  api: (args: ApiFetcherArgs & TransportOptions) => Promise<TransportResponse>;
  validateResponse: boolean;
};

/**
 * The plain ts-rest client over the same transport (tokens, renewal, retries, time limits): each call resolves
 * with `{ status, body, headers }` for every status, typed by the contract, and never throws for an error answer.
 */
export type RawClient = InitClientReturn<Contract, RawClientArgs>;

type Api = Methods<Contract>;

/** Signing in and out goes through the client's `login()`, `logout()` and `refresh()`, which keep the tokens. */
type SessionRoutes = 'login' | 'refresh' | 'logout';
const SESSION_ROUTES: readonly string[] = ['login', 'refresh', 'logout'] satisfies SessionRoutes[];

/** The methods `K` of a router, resolving with the record and its `etag`. */
type Tagged<M, K extends keyof M> = {
  [P in keyof M]: P extends K
    ? M[P] extends (...args: infer A) => Promise<infer R>
      ? (...args: A) => Promise<WithEtag<R>>
      : M[P]
    : M[P];
};

/** Every record of a list matching `query`, page after page by cursor (`for await (const c of ...iterate(q))`). */
export type Iterate<R extends AppRoute, T> = (
  query?: ListQuery<R>,
  options?: CallOptions,
) => AsyncGenerator<T, void, undefined>;

type ContactsApi = Omit<
  Tagged<Api['contacts'], 'get' | 'create' | 'update' | 'patch' | 'setPrimary' | 'toggleStatus'>,
  'export'
> & {
  iterate: Iterate<Contract['contacts']['list'], Awaited<ReturnType<Api['contacts']['get']>>>;
  /**
   * Every contact matching the list's filters as one file (`format`: `csv`, the import's columns, or `ndjson`),
   * resolved once its headers have come, its body streamed as it is read (see {@link ContactExport}).
   */
  export(input?: ContactExportInput): Promise<ContactExport>;
};
type CustomersApi = Tagged<Api['customers'], 'get' | 'create' | 'update' | 'patch'> & {
  iterate: Iterate<Contract['customers']['list'], Awaited<ReturnType<Api['customers']['get']>>>;
};

type EventsApi = Api['events'] & {
  /**
   * Every event after `after` (a `next_cursor` kept from before; from the first without it), in order, each once,
   * until the feed is caught up; with `follow: true`, on and on as events come (long polls).
   */
  iterate(
    query?: Omit<ListQuery<Contract['events']['list']>, 'after' | 'wait'> & {
      after?: string;
      follow?: boolean;
      wait?: number;
    },
    options?: CallOptions,
  ): AsyncGenerator<Event, void, undefined>;
};

/**
 * The client: one method per operation of the contract (`client.contacts.list()`, `client.customers.get()`...),
 * plus the session. New operations in the contract appear here without a change to the SDK.
 */
export type CcmClient = Omit<Api, 'auth' | 'contacts' | 'customers' | 'events'> & {
  auth: Omit<Api['auth'], SessionRoutes>;
  contacts: ContactsApi;
  customers: CustomersApi;
  events: EventsApi;
  /** The ts-rest client: `{ status, body, headers }` for every answer (headers such as `X-Total-Count`). */
  raw: RawClient;
} & SessionApi;

/**
 * A typed client of the ccm API. Every method resolves with the `data` of the success envelope and rejects with a
 * {@link CcmApiError} (status, message, field errors, request id) on an error answer.
 *
 * @example
 * const ccm = createClient({ baseUrl: 'http://127.0.0.1:8000' });
 * await ccm.login('admin', 'secret');
 * const page = await ccm.contacts.list({ query: { search: 'john', page_size: 10 } });
 */
export function createClient(options: ClientOptions): CcmClient {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  let raw: RawClient;
  const session = new Session({
    store: options.tokenStore ?? new MemoryTokenStore(),
    initial: options.tokens,
    leewaySeconds: options.refreshLeewaySeconds ?? 30,
    onSessionExpired: options.onSessionExpired,
    refresh: async (refresh) => {
      const { body } = await raw.auth.refresh({ body: { refresh }, ...throwOnError });
      const pair = (body as { data: TokenPair }).data;
      return { access: pair.access, refresh: pair.refresh };
    },
  });
  const send = createSender({
    fetch: options.fetch,
    timeoutMs: options.timeoutMs ?? 30_000,
    retry: options.retry === false ? { ...DEFAULT_RETRY, retries: 0 } : { ...DEFAULT_RETRY, ...options.retry },
    headers: options.headers ?? {},
    auth: session,
    consistency: new ConsistencyTokens(),
  });
  const operationOf = new Map<AppRoute, string>(routeEntries(contract).map((r) => [r.route, r.name]));
  raw = initClient(contract, {
    baseUrl,
    api: createTransport(send, operationOf) as RawClientArgs['api'],
    validateResponse: options.validateResponses ?? false,
  });
  return assemble(raw, sessionApi(session, rawSessionRoutes(raw), baseUrl, createFetch(send, baseUrl)));
}

function rawSessionRoutes(raw: RawClient) {
  return {
    login: (args: Record<string, unknown>) => raw.auth.login(args as never),
    logout: (args: Record<string, unknown>) => raw.auth.logout(args as never),
  };
}

/** The friendly methods, the lists' `iterate`, the raw client and the session, as one client. */
function assemble(raw: RawClient, session: SessionApi): CcmClient {
  const methods = wrapRouter(contract, raw as unknown as RawRouter) as unknown as Api;
  const auth = Object.fromEntries(Object.entries(methods.auth).filter(([name]) => !SESSION_ROUTES.includes(name)));
  const iterateOver = (list: unknown) => (query?: object, options?: CallOptions) =>
    iterate(list as ListPage<unknown>, query as Record<string, unknown>, options as Record<string, unknown>);
  return {
    ...methods,
    auth: auth as CcmClient['auth'],
    contacts: {
      ...methods.contacts,
      iterate: iterateOver(methods.contacts.list),
      export: exportMethod(raw.contacts.export as never),
    } as ContactsApi,
    customers: { ...methods.customers, iterate: iterateOver(methods.customers.list) } as CustomersApi,
    events: {
      ...methods.events,
      iterate: (query?: object, options?: CallOptions) =>
        iterateEvents(
          methods.events.list as unknown as ListEvents<Event>,
          query as Record<string, unknown>,
          options as Record<string, unknown>,
        ),
    } as EventsApi,
    raw,
    ...session,
  };
}
