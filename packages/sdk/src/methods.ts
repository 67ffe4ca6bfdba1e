import { type AppRouter, isAppRoute } from '@ts-rest/core';
import { resultOf } from './results.js';
import { THROW_ON_ERROR, type TransportArgs, type TransportResponse } from './transport.js';
import type { CallOptions, WriteOptions } from './types.js';

export const throwOnError = { [THROW_ON_ERROR]: true } as Record<string, never>;

/** The per-call options in the shape ts-rest passes them on to the transport. */
export function rawOptions(options: CallOptions & WriteOptions): Record<string, never> {
  const { signal, timeoutMs, retries, headers, idempotencyKey, ifMatch } = options;
  const out: Partial<TransportArgs> & Record<string, unknown> = { ...throwOnError };
  if (signal) out.fetchOptions = { signal };
  if (headers) out.extraHeaders = headers;
  if (timeoutMs !== undefined) out.timeoutMs = timeoutMs;
  if (retries !== undefined) out.retries = retries;
  if (idempotencyKey !== undefined) out.idempotencyKey = idempotencyKey;
  if (ifMatch !== undefined) out.ifMatch = ifMatch;
  return out as Record<string, never>;
}

type RawRoute = (args: Record<string, unknown>) => Promise<TransportResponse>;
export type RawRouter = { [key: string]: RawRoute | RawRouter };

/** The friendly methods: the same routes, resolving with `data` (see results.ts) and throwing CcmApiError. */
export function wrapRouter(router: AppRouter, rawRouter: RawRouter): Record<string, unknown> {
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
    return resultOf(await call(args));
  };
}

function encodeParams(params: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(params).map(([k, v]) => [k, encodeURIComponent(String(v))]));
}
