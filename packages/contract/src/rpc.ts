import { type AppRoute, isZodType } from '@ts-rest/core';
import { z } from 'zod';
import type { StreamedMetadata, StreamSpec } from './access.js';
import { IdValueSchema, numberedCursorPage, numberedPage, type Paging } from './common.js';

/*
 * How an RPC transport (tRPC) takes each route of the contract, derived from the route itself so that an
 * operation is declared once: its input is one object of values, the path id, the typed query and the body
 * together (numbers are numbers, booleans booleans: nothing is read from text); its output is the `data` of the
 * route's success envelope, a list as a numbered page, nothing for a 204 or a `data: null`.
 */

export type RpcKind = 'query' | 'mutation';

export interface Rpc {
  kind: RpcKind;
  /** Undefined: the procedure takes no input. */
  input: z.ZodTypeAny | undefined;
  /** Undefined: the procedure answers nothing. */
  output: z.ZodTypeAny | undefined;
  /** How the REST answer is paged, when it is a list. */
  paging: Paging | undefined;
  /** The REST success status the contract declares first (200, 201, 202 or 204). */
  status: number;
  /** The REST answer is the success envelope (`{ success, message, data }`), not a document of its own. */
  envelope: boolean;
  /** Which parts of a REST request the route declares (and so validates). */
  parts: { query: boolean; body: boolean };
  /** A file streamed record after record: REST only (no procedure: tRPC answers one JSON value). */
  stream: StreamSpec | undefined;
}

const SUCCESS = [200, 201, 202, 204] as const;

/** The schema of the route's success answer, and its status. */
function successOf(route: AppRoute): { status: number; schema: unknown } {
  for (const status of SUCCESS) {
    if (status in route.responses) return { status, schema: (route.responses as Record<number, unknown>)[status] };
  }
  throw new Error(`${route.method} ${route.path}: no success response`);
}

/** A response's schema: the body of `c.otherResponse({ contentType, body })`, or the schema itself. */
const bodyOf = (schema: unknown): unknown =>
  schema && typeof schema === 'object' && 'contentType' in schema
    ? (schema as unknown as { body: unknown }).body
    : schema;

/** The `data` of an envelope schema (`{ success, message, data }`), or the schema when it is not one. */
function dataOf(schema: z.ZodTypeAny): z.ZodTypeAny {
  return schema instanceof z.ZodObject && 'data' in schema.shape && 'success' in schema.shape
    ? (schema.shape.data as z.ZodTypeAny)
    : schema;
}

export function rpcOf(route: AppRoute): Rpc {
  const shape: z.ZodRawShape = {};
  let required = false;
  // Path parameters are ids (`:id`, `:delivery_id`).
  for (const [, name] of route.path.matchAll(/:(\w+)/g)) {
    shape[name!] = IdValueSchema;
    required = true;
  }
  const typed = (route as { query?: { typed?: z.ZodObject<z.ZodRawShape> } }).query?.typed;
  if (typed) Object.assign(shape, typed.shape);
  const body = (route as { body?: unknown }).body;
  const hasBody = isZodType(body) && body instanceof z.ZodObject;
  if (hasBody) {
    Object.assign(shape, body.shape);
    required = true;
  }
  const keys = Object.keys(shape).length;
  const input = keys === 0 ? undefined : required ? z.object(shape) : z.object(shape).default({});

  const { status, schema } = successOf(route);
  const response = bodyOf(schema);
  let output: z.ZodTypeAny | undefined;
  let paging: Paging | undefined;
  if (status !== 204 && isZodType(response)) {
    const data = dataOf(response as z.ZodTypeAny) as z.ZodTypeAny & { paging?: Paging; item?: z.ZodTypeAny };
    paging = data.paging;
    if (paging === 'cursor') output = numberedCursorPage(data.item!);
    else if (paging) output = numberedPage(data.item!);
    else if (!(data instanceof z.ZodNull)) output = data;
  }
  const envelope = isZodType(response) && dataOf(response as z.ZodTypeAny) !== response;
  const parts = { query: typed !== undefined, body: hasBody };
  const stream = (route.metadata as { stream?: StreamSpec } | undefined)?.stream;
  const kind = route.method === 'GET' ? 'query' : 'mutation';
  return { kind, input, output, paging, status, envelope, parts, stream };
}

// The same, for the types: what a client of the RPC transport sends and gets.

/** tRPC's type for a procedure's absent input or output, and for an input that may be left out (`X | Nothing`). */
// biome-ignore lint/suspicious/noConfusingVoidType: tRPC types these as void
export type Nothing = void;

/** The ids of the path (`/webhooks/:id/deliveries/:delivery_id/retry/`: `{ id: number; delivery_id: number }`). */
type ParamsOf<P> = P extends `${string}:${infer Name}/${infer Rest}`
  ? { [K in Name]: number } & ParamsOf<Rest>
  : P extends `${string}:${infer Name}`
    ? { [K in Name]: number }
    : unknown;
type PathIn<R> = R extends { path: infer P extends string } ? ParamsOf<P> : unknown;
type QueryIn<R> = R extends { query: { typed: infer T extends z.ZodTypeAny } } ? z.input<T> : unknown;
type BodyIn<R> = R extends { body: infer B extends z.ZodObject<z.ZodRawShape> } ? z.input<B> : unknown;
type HasRequired<R> = R extends { path: `${string}:id${string}` }
  ? true
  : R extends { body: z.ZodObject<z.ZodRawShape> }
    ? true
    : false;
type NoInput<R> = unknown extends PathIn<R> & QueryIn<R> & BodyIn<R> ? true : false;

/** The input of the route over RPC: `void` when it takes none; optional when it is only a query. */
export type RpcInput<R> =
  NoInput<R> extends true
    ? Nothing
    : HasRequired<R> extends true
      ? PathIn<R> & QueryIn<R> & BodyIn<R>
      : QueryIn<R> | Nothing;

type QueryOut<R> = R extends { query: { typed: infer T extends z.ZodTypeAny } } ? z.output<T> : unknown;
type BodyOut<R> = R extends { body: infer B extends z.ZodObject<z.ZodRawShape> } ? z.output<B> : unknown;
/** The input as the server receives it, parsed (defaults applied), from either transport. */
export type RpcArgs<R> = PathIn<R> & QueryOut<R> & BodyOut<R>;

type SuccessOf<R> = R extends { responses: infer S }
  ? 200 extends keyof S
    ? S[200]
    : 201 extends keyof S
      ? S[201]
      : 202 extends keyof S
        ? S[202]
        : never
  : never;
type Body<S> = S extends { contentType: string; body: infer B } ? B : S;
type Data<S> = S extends z.ZodObject<infer Shape> ? ('data' extends keyof Shape ? Shape['data'] : S) : S;
/** The schema of a route's success answer: the `data` of its envelope, or the whole body when it is not one. */
export type SuccessDataOf<R> = Data<Body<SuccessOf<R>>>;
type Out<D> = D extends { paging: 'cursor'; item: infer I extends z.ZodTypeAny }
  ? z.output<ReturnType<typeof numberedCursorPage<I>>>
  : D extends { paging: Paging; item: infer I extends z.ZodTypeAny }
    ? z.output<ReturnType<typeof numberedPage<I>>>
    : D extends z.ZodNull
      ? Nothing
      : D extends z.ZodTypeAny
        ? z.output<D>
        : Nothing;

/** The output of the route over RPC. */
export type RpcOutput<R> = R extends { responses: { 204: unknown } } ? Nothing : Out<SuccessDataOf<R>>;
export type RpcKindOf<R> = R extends { method: 'GET' } ? 'query' : 'mutation';
/** A streamed route (a file, REST only): RPC clients and routers leave it out. */
export type IsStreamed<R> = R extends { metadata: StreamedMetadata } ? true : false;
