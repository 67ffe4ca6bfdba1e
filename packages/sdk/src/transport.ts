import type { ApiFetcherArgs, AppRoute } from '@ts-rest/core';
import { validateResponse } from '@ts-rest/core';
import { CcmApiError, CcmError, CcmNetworkError, type CcmRequestInfo, CcmTimeoutError } from './errors.js';

/** A `fetch` implementation: the global one by default (Node 18+, browsers, Deno, Bun, workers). */
export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export interface RetryOptions {
  /** Retries after the first attempt (default 2). `0` disables retries. */
  retries?: number;
  /** Base of the exponential backoff (default 200 ms): about 200, 400, 800 ms... with jitter. */
  minDelayMs?: number;
  /** Longest wait between two attempts, `Retry-After` included (default 5,000 ms). */
  maxDelayMs?: number;
}

/** The options a call of the ts-rest client (`client.raw`) accepts on top of ts-rest's own. */
export interface TransportOptions {
  /** Time budget of the whole call, retries and waits included. */
  timeoutMs?: number;
  /** Retries for this call (idempotent methods only). */
  retries?: number;
}

/** Internal: the friendly methods ask the transport to throw a `CcmApiError` on an error status. */
export const THROW_ON_ERROR: unique symbol = Symbol('ccm.throwOnError');

export type TransportArgs = ApiFetcherArgs & TransportOptions & { [THROW_ON_ERROR]?: boolean };

export interface TransportResponse {
  status: number;
  body: unknown;
  headers: Headers;
}

/** What the transport needs from the session: a token to send, and a way to renew it after a 401. */
export interface Authenticator {
  accessToken(signal: AbortSignal): Promise<string | undefined>;
  /** Renews the session after `rejected` got a 401; resolves false when there is nothing to renew with. */
  renewAfter401(rejected: string, signal: AbortSignal): Promise<boolean>;
}

export interface TransportConfig {
  fetch: FetchLike | undefined;
  timeoutMs: number;
  retry: Required<RetryOptions>;
  headers: Record<string, string>;
  operationOf: Map<AppRoute, string>;
  auth: Authenticator;
}

const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);
const RETRY_STATUSES = new Set([502, 503, 504]);

/**
 * The `api` fetcher given to ts-rest's `initClient`: authentication (token, renewal after a 401), retries with
 * exponential backoff and jitter for idempotent methods, one time budget per call, request ids, body parsing.
 */
export function createTransport(config: TransportConfig) {
  return async function transport(args: TransportArgs): Promise<TransportResponse> {
    const method = args.method.toUpperCase();
    const requestHeaders = { ...lowerCaseKeys(config.headers), ...args.headers };
    const requestId = requestHeaders['x-request-id'] || newRequestId();
    const info: CcmRequestInfo = { operation: config.operationOf.get(args.route), method, url: args.path, requestId };
    const retries = IDEMPOTENT.has(method) ? Math.max(0, args.retries ?? config.retry.retries) : 0;
    const needsToken = accessOf(args.route) !== 'public';
    const doFetch: FetchLike = config.fetch ?? ((input, init) => globalThis.fetch(input, init));
    const { signal: userSignal, ...fetchOptions } = args.fetchOptions ?? {};

    return withDeadline(
      args.timeoutMs ?? config.timeoutMs,
      userSignal ?? args.signal ?? undefined,
      info,
      async (signal) => {
        let attempt = 0;
        let renewed = false;
        for (;;) {
          const headers: Record<string, string> = {
            accept: 'application/json',
            ...requestHeaders,
            'x-request-id': requestId,
          };
          let token: string | undefined;
          let response: Response;
          let body: unknown;
          try {
            token = needsToken ? await config.auth.accessToken(signal) : undefined;
            if (token) headers.authorization = `Bearer ${token}`;
            response = await doFetch(args.path, {
              ...fetchOptions,
              method,
              headers,
              body: args.body ?? undefined,
              signal,
            });
            body = await readBody(response);
          } catch (error) {
            // An error answer to the token renewal (the session is over) is final; so is an abort.
            if (signal.aborted || CcmApiError.is(error)) throw error;
            if (attempt < retries) {
              await sleep(backoff(config.retry, attempt++), signal);
              continue;
            }
            if (CcmError.is(error)) throw error;
            throw new CcmNetworkError(`${method} ${args.path} failed: ${messageOf(error)}`, info, { cause: error });
          }

          if (response.status === 401 && token && !renewed) {
            renewed = true;
            if (await config.auth.renewAfter401(token, signal)) continue;
          }
          if (RETRY_STATUSES.has(response.status) && attempt < retries) {
            await sleep(retryAfter(response.headers, config.retry) ?? backoff(config.retry, attempt++), signal);
            continue;
          }

          const result = { status: response.status, body, headers: response.headers };
          if (response.status >= 400 && args[THROW_ON_ERROR]) {
            throw CcmApiError.fromResponse(response.status, body, response.headers, info);
          }
          if (args.validateResponse && response.status < 300 && args.route.responses[response.status] !== undefined) {
            return { ...result, ...validateResponse({ appRoute: args.route, response: result }) };
          }
          return result;
        }
      },
    );
  };
}

function accessOf(route: AppRoute): unknown {
  return (route.metadata as { access?: unknown } | undefined)?.access;
}

/** JSON when the server says so, text otherwise, `undefined` when empty (204). */
async function readBody(response: Response): Promise<unknown> {
  const text = await response.text();
  if (!text) return undefined;
  const type = response.headers.get('content-type') ?? '';
  if (/\bjson\b/i.test(type)) {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return text;
}

/**
 * Runs `task` with a signal that aborts when the caller's signal does (the call rejects with its reason) or when
 * `timeoutMs` passes (the call rejects with a CcmTimeoutError). `0` or `Infinity` means no time limit.
 */
export async function withDeadline<T>(
  timeoutMs: number,
  callerSignal: AbortSignal | undefined,
  info: CcmRequestInfo,
  task: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  const onAbort = () => controller.abort(callerSignal?.reason);
  if (callerSignal?.aborted) onAbort();
  else callerSignal?.addEventListener('abort', onAbort, { once: true });
  const timer =
    timeoutMs > 0 && Number.isFinite(timeoutMs)
      ? setTimeout(() => controller.abort(new CcmTimeoutError(timeoutMs, info)), timeoutMs)
      : undefined;
  try {
    if (controller.signal.aborted) throw controller.signal.reason;
    return await task(controller.signal);
  } catch (error) {
    throw controller.signal.aborted ? controller.signal.reason : error;
  } finally {
    clearTimeout(timer);
    callerSignal?.removeEventListener('abort', onAbort);
  }
}

/** Waits for `promise`, or rejects as soon as `signal` aborts (the promise itself goes on). */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return abortable(new Promise<void>((resolve) => setTimeout(resolve, ms)), signal);
}

/** Exponential backoff with "equal jitter": half of the step is fixed, the other half random. */
export function backoff(retry: Required<RetryOptions>, attempt: number): number {
  const step = Math.min(retry.maxDelayMs, retry.minDelayMs * 2 ** attempt);
  return step / 2 + Math.random() * (step / 2);
}

/** A `Retry-After` in seconds or as an HTTP date, capped at `maxDelayMs`. */
function retryAfter(headers: Headers, retry: Required<RetryOptions>): number | undefined {
  const value = headers.get('retry-after');
  if (!value) return undefined;
  const seconds = Number(value);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(value) - Date.now();
  if (!Number.isFinite(ms)) return undefined;
  return Math.min(Math.max(ms, 0), retry.maxDelayMs);
}

function lowerCaseKeys(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}

function messageOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as { cause?: unknown }).cause;
  return cause instanceof Error && cause.message ? `${error.message} (${cause.message})` : error.message;
}

function newRequestId(): string {
  const cryptoApi = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto;
  if (cryptoApi?.randomUUID) return cryptoApi.randomUUID();
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 12)}`;
}
