import type { AppRoute, AppRouter, ClientInferRequest, ClientInferResponseBody } from '@ts-rest/core';

/**
 * Per-call options, accepted by every method next to `params`, `query` and `body`.
 */
export interface CallOptions {
  /** Cancels the call (the promise rejects with the signal's reason, an `AbortError` by default). */
  signal?: AbortSignal;
  /** Time budget of the whole call, retries and waits included (default: the client's `timeoutMs`). */
  timeoutMs?: number;
  /**
   * Retries after a 429, and after a network error or a 502/503/504 where repeating is safe (GET, PUT, DELETE and
   * every call with an idempotency key); default: the client's `retry.retries`.
   */
  retries?: number;
  /** Extra request headers. */
  headers?: Record<string, string>;
}

/** Options of the calls that change something (POST, PUT, PATCH, DELETE), next to {@link CallOptions}. */
export interface WriteOptions {
  /**
   * The call's `Idempotency-Key` (1–255 printable ASCII characters). By default the SDK makes one per call, the
   * same for all its retries; give your own to repeat a call later safely (a failed call's key is in
   * `error.idempotencyKey`). An `Idempotency-Key` in `headers` wins.
   */
  idempotencyKey?: string;
  /**
   * Do it only if the record is still this version: its `etag` (`"7"`) or its `version` (7), sent as `If-Match`.
   * A record changed meanwhile rejects with a `CcmPreconditionFailedError` (412). Contacts and customers.
   */
  ifMatch?: string | number;
}

/** Query and path values travel as text: numbers are accepted where the contract takes digits, booleans for `"true"`/`"false"`. */
type Loose<T> = T extends 'true' | 'false' ? boolean : string extends T ? number : never;
type LooseObject<T> = T extends object ? { [K in keyof T]: T[K] | Loose<T[K]> } : never;

type Request<R extends AppRoute> = ClientInferRequest<R>;
type ParamsOf<R extends AppRoute> = Request<R> extends { params: infer P } ? LooseObject<P> : never;
type QueryOf<R extends AppRoute> = Request<R> extends { query: infer Q } ? LooseObject<Q> : never;
type BodyOf<R extends AppRoute> = Request<R> extends { body: infer B } ? ([B] extends [undefined] ? never : B) : never;

type DropNever<T> = T extends object ? { [K in keyof T as [T[K]] extends [never] ? never : K]: T[K] } : never;
type RequiredKeys<T> = { [K in keyof T]-?: undefined extends T[K] ? never : K }[keyof T];
/** A query whose fields are all optional (a list query) may be left out; `params` and `body` may not. */
type QueryPart<R extends AppRoute> = [QueryOf<R>] extends [never]
  ? Record<never, never>
  : [RequiredKeys<QueryOf<R>>] extends [never]
    ? { query?: QueryOf<R> }
    : { query: QueryOf<R> };
type Parts<R extends AppRoute> = DropNever<{ params: ParamsOf<R>; body: BodyOf<R> }> & QueryPart<R>;
type Simplify<T> = T extends infer U ? { [K in keyof U]: U[K] } : never;

type OptionsOf<R extends AppRoute> = R['method'] extends 'GET' ? CallOptions : CallOptions & WriteOptions;

/**
 * The input of a route: `params` (path), `query` and `body`, each typed by the contract, plus {@link CallOptions}
 * (and {@link WriteOptions} for a write).
 */
export type RouteInput<R extends AppRoute> = Simplify<Parts<R> & OptionsOf<R>>;

type SuccessStatus = 200 | 201 | 202 | 203 | 204 | 205 | 206 | 207 | 208 | 226;
type SuccessBody<R extends AppRoute> = ClientInferResponseBody<R, Extract<keyof R['responses'], SuccessStatus>>;
type Unwrap<B> = B extends { success: boolean; data: infer D }
  ? D
  : B extends { success: boolean; message: string }
    ? undefined
    : B;

/** A list's data as the SDK gives it: a page with its cursors, or a header-paged array with its total and links. */
type Shaped<D> = D extends readonly (infer I)[]
  ? PagedArray<I>
  : D extends { count: number; results: (infer I)[] }
    ? Page<I>
    : D;

/**
 * What a route's method resolves to: the `data` of the success envelope (a page as {@link Page}, a bare list as
 * {@link PagedArray}); `undefined` for an envelope without data and for a 204; any other body (the OpenAPI
 * document) as it is.
 */
export type RouteResult<R extends AppRoute> = Shaped<Unwrap<SuccessBody<R>>>;

type HasRequiredInput<R extends AppRoute> = [RequiredKeys<Parts<R>>] extends [never] ? false : true;

/** One method per route. */
export type RouteMethod<R extends AppRoute> =
  HasRequiredInput<R> extends true
    ? (input: RouteInput<R>) => Promise<RouteResult<R>>
    : (input?: RouteInput<R>) => Promise<RouteResult<R>>;

/** A router's routes as methods, nested as the contract nests them. */
export type Methods<T extends AppRouter> = {
  [K in keyof T]: T[K] extends AppRoute ? RouteMethod<T[K]> : T[K] extends AppRouter ? Methods<T[K]> : never;
};

/**
 * A page of a list (`contacts.list`, `customers.list`): `next`/`previous` are absolute URLs or null;
 * `nextCursor`/`previousCursor` the keyset cursors of the neighbouring pages when the page was asked for by
 * `cursor` (pass one as `query.cursor`), null otherwise and at either end.
 */
export interface Page<T> {
  count: number;
  next: string | null;
  previous: string | null;
  results: T[];
  nextCursor: string | null;
  previousCursor: string | null;
}

/**
 * A list answered as a bare array (`customers.withContacts`), with its paging from the answer's headers: `count`
 * (X-Total-Count, the total of all pages), and `next`/`previous` (the `Link` header's URLs, or null).
 */
export type PagedArray<T> = T[] & { count: number; next: string | null; previous: string | null };

/** A contact or customer as `get` (and every write of one) gives it: with its `etag`, to send back as `ifMatch`. */
export type WithEtag<T> = T & {
  /** The record's strong ETag (`"7"`, its version in quotes), as the server sent it. */
  etag: string;
};

/** The filters and ordering of a list, without its paging (`iterate` pages by itself). */
export type ListQuery<R extends AppRoute> = Omit<NonNullable<QueryOf<R>>, 'page' | 'cursor'>;
