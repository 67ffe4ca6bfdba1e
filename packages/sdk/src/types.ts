import type { AppRoute, AppRouter, ClientInferRequest, ClientInferResponseBody } from '@ts-rest/core';

/**
 * Per-call options, accepted by every method next to `params`, `query` and `body`.
 */
export interface CallOptions {
  /** Cancels the call (the promise rejects with the signal's reason, an `AbortError` by default). */
  signal?: AbortSignal;
  /** Time budget of the whole call, retries and waits included (default: the client's `timeoutMs`). */
  timeoutMs?: number;
  /** Retries after a network error or a 502/503/504; only GET, PUT and DELETE are ever retried. */
  retries?: number;
  /** Extra request headers. */
  headers?: Record<string, string>;
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

/** The input of a route: `params` (path), `query` and `body`, each typed by the contract, plus {@link CallOptions}. */
export type RouteInput<R extends AppRoute> = Simplify<Parts<R> & CallOptions>;

type SuccessStatus = 200 | 201 | 202 | 203 | 204 | 205 | 206 | 207 | 208 | 226;
type SuccessBody<R extends AppRoute> = ClientInferResponseBody<R, Extract<keyof R['responses'], SuccessStatus>>;
type Unwrap<B> = B extends { success: boolean; data: infer D }
  ? D
  : B extends { success: boolean; message: string }
    ? undefined
    : B;

/**
 * What a route's method resolves to: the `data` of the success envelope; `undefined` for an envelope without
 * data and for a 204; any other body (the OpenAPI document) as it is.
 */
export type RouteResult<R extends AppRoute> = Unwrap<SuccessBody<R>>;

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

/** A page of a list (`contacts.list`, `customers.list`): `next`/`previous` are absolute URLs or null. */
export interface Page<T> {
  count: number;
  next: string | null;
  previous: string | null;
  results: T[];
}
