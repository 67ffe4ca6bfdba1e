import { type Contract, contract, routeEntries, type TokenPair } from '@ccm/contract';
import {
  type ApiFetcherArgs,
  type AppRoute,
  type AppRouter,
  type InitClientReturn,
  initClient,
  isAppRoute,
} from '@ts-rest/core';
import { CcmApiError } from './errors.js';
import { Session } from './session.js';
import { MemoryTokenStore, type TokenStore, type Tokens } from './tokens.js';
import {
  createTransport,
  type FetchLike,
  type RetryOptions,
  THROW_ON_ERROR,
  type TransportArgs,
  type TransportOptions,
  type TransportResponse,
} from './transport.js';
import type { CallOptions, Methods } from './types.js';

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
  /** Retries of GET, PUT and DELETE after a network error or a 502/503/504 (default 2); `false` for none. */
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

/**
 * The client: one method per operation of the contract (`client.contacts.list()`, `client.customers.get()`...),
 * plus the session. New operations in the contract appear here without a change to the SDK.
 */
export type CcmClient = Omit<Api, 'auth'> & { auth: Omit<Api['auth'], SessionRoutes> } & SessionApi;

export interface SessionApi {
  /** Signs in: keeps the token pair in the token store and resolves with it (and the user). */
  login(username: string, password: string, options?: CallOptions): Promise<TokenPair>;
  /** Revokes the refresh token on the server and forgets the tokens (forgotten even if the server is unreachable). */
  logout(options?: CallOptions): Promise<void>;
  /** Renews the access token now (it is otherwise renewed when needed); resolves with the new pair. */
  refresh(): Promise<Tokens>;
  /** A valid access token (renewed first when close to expiry), or undefined when signed out. */
  getAccessToken(options?: { signal?: AbortSignal }): Promise<string | undefined>;
  /** The current tokens, or null. */
  getTokens(): Promise<Tokens | null>;
  /** Replaces the tokens (null signs out locally, without telling the server). */
  setTokens(tokens: Tokens | null): Promise<void>;
  /** The ts-rest client: `{ status, body, headers }` for every answer (headers such as `X-Total-Count`). */
  raw: RawClient;
}

const DEFAULT_RETRY: Required<RetryOptions> = { retries: 2, minDelayMs: 200, maxDelayMs: 5000 };

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
  const operationOf = new Map<AppRoute, string>(routeEntries(contract).map((r) => [r.route, r.name]));

  let raw: RawClient;
  const session = new Session({
    store: options.tokenStore ?? new MemoryTokenStore(),
    initial: options.tokens,
    leewaySeconds: options.refreshLeewaySeconds ?? 30,
    onSessionExpired: options.onSessionExpired,
    refresh: async (refresh) => {
      const { body } = await raw.auth.refresh({ body: { refresh }, ...throwOnError });
      return pairOf(body as { data: TokenPair });
    },
  });

  const transport = createTransport({
    fetch: options.fetch,
    timeoutMs: options.timeoutMs ?? 30_000,
    retry: options.retry === false ? { ...DEFAULT_RETRY, retries: 0 } : { ...DEFAULT_RETRY, ...options.retry },
    headers: options.headers ?? {},
    operationOf,
    auth: session,
  });
  raw = initClient(contract, {
    baseUrl,
    api: transport as RawClientArgs['api'],
    validateResponse: options.validateResponses ?? false,
  });

  const methods = wrapRouter(contract, raw as unknown as RawRouter) as unknown as Api;

  const auth = Object.fromEntries(Object.entries(methods.auth).filter(([name]) => !SESSION_ROUTES.includes(name)));
  return {
    ...methods,
    auth: auth as CcmClient['auth'],
    raw,

    async login(username, password, callOptions = {}) {
      const { body } = await raw.auth.login({ body: { username, password }, ...rawOptions(callOptions) });
      const pair = (body as { data: TokenPair }).data;
      await session.setTokens(pairOf({ data: pair }));
      return pair;
    },

    async logout(callOptions = {}) {
      await session.settle();
      const tokens = await session.tokens();
      await session.setTokens(null);
      if (!tokens) return;
      try {
        await raw.auth.logout({ body: { refresh: tokens.refresh }, ...rawOptions(callOptions) });
      } catch (error) {
        // A refresh token the server no longer knows is logged out already.
        if (CcmApiError.is(error) && (error.status === 400 || error.status === 401)) return;
        throw error;
      }
    },

    async refresh() {
      const tokens = await session.tokens();
      if (!tokens) throw new Error('Not signed in: call login() or setTokens() first.');
      const renewed = await session.renew(tokens.access);
      if (!renewed) throw new Error('Not signed in: call login() or setTokens() first.');
      return renewed;
    },

    async getAccessToken(callOptions = {}) {
      return session.accessToken(callOptions.signal ?? new AbortController().signal);
    },

    getTokens: () => session.tokens(),
    setTokens: (tokens) => session.setTokens(tokens),
  };
}

const throwOnError = { [THROW_ON_ERROR]: true } as Record<string, never>;

function pairOf(body: { data: TokenPair }): Tokens {
  return { access: body.data.access, refresh: body.data.refresh };
}

/** The per-call options in the shape ts-rest passes them on to the transport. */
function rawOptions({ signal, timeoutMs, retries, headers }: CallOptions): Record<string, never> {
  const out: Partial<TransportArgs> & Record<string, unknown> = { ...throwOnError };
  if (signal) out.fetchOptions = { signal };
  if (headers) out.extraHeaders = headers;
  if (timeoutMs !== undefined) out.timeoutMs = timeoutMs;
  if (retries !== undefined) out.retries = retries;
  return out as Record<string, never>;
}

type RawRoute = (args: Record<string, unknown>) => Promise<TransportResponse>;
type RawRouter = { [key: string]: RawRoute | RawRouter };

/** The friendly methods: the same routes, resolving with `data` and throwing CcmApiError. */
function wrapRouter(router: AppRouter, rawRouter: RawRouter): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(router)) {
    const target = rawRouter[key];
    if (isAppRoute(value)) out[key] = wrapRoute(target as RawRoute);
    else out[key] = wrapRouter(value, target as RawRouter);
  }
  return out;
}

function wrapRoute(call: RawRoute): (input?: Record<string, unknown>) => Promise<unknown> {
  return async (input: Record<string, unknown> = {}) => {
    const { params, query, body, ...callOptions } = input as {
      params?: Record<string, unknown>;
      query?: Record<string, unknown>;
      body?: unknown;
    } & CallOptions;
    const args: Record<string, unknown> = { ...rawOptions(callOptions) };
    if (params) args.params = encodeParams(params);
    if (query) args.query = query;
    if (body !== undefined) args.body = body;
    const response = await call(args);
    return unwrap(response.body);
  };
}

/** The `data` of an envelope, `undefined` for an envelope without data, any other body as it is. */
function unwrap(body: unknown): unknown {
  if (typeof body === 'object' && body !== null && typeof (body as { success?: unknown }).success === 'boolean') {
    return (body as { data?: unknown }).data;
  }
  return body;
}

function encodeParams(params: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(params).map(([k, v]) => [k, encodeURIComponent(String(v))]));
}
