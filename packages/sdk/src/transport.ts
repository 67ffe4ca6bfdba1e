import type { ApiFetcherArgs, AppRoute } from '@ts-rest/core';
import { validateResponse } from '@ts-rest/core';
import { CcmApiError } from './errors.js';
import { UNKEYED_OPERATIONS } from './idempotency.js';
import type { Answer, Sender } from './send.js';

/** The options a call of the ts-rest client (`client.raw`) accepts on top of ts-rest's own. */
export interface TransportOptions {
  /** Time budget of the whole call, retries and waits included. */
  timeoutMs?: number;
  /** Retries for this call. */
  retries?: number;
  /** The call's `Idempotency-Key` (default: a new one for every POST, PUT, PATCH and DELETE). */
  idempotencyKey?: string;
  /** `If-Match`: an ETag (`"7"`) or a record's version (7). */
  ifMatch?: string | number;
}

/** Internal: the friendly methods ask the transport to throw a `CcmApiError` on an error status. */
export const THROW_ON_ERROR: unique symbol = Symbol('ccm.throwOnError');

/** Internal: the export asks the transport for a success's body unread, as a stream (export.ts). */
export const STREAM_BODY: unique symbol = Symbol('ccm.streamBody');

export type TransportArgs = ApiFetcherArgs & TransportOptions & { [THROW_ON_ERROR]?: boolean; [STREAM_BODY]?: boolean };

export interface TransportResponse {
  status: number;
  body: unknown;
  headers: Headers;
}

/**
 * The `api` fetcher given to ts-rest's `initClient`: the call goes through the sender (session, retries, time
 * limit, keys), then its body is parsed, turned into a CcmApiError when asked, and checked when asked.
 */
export function createTransport(send: Sender, operationOf: Map<AppRoute, string>) {
  return async function transport(args: TransportArgs): Promise<TransportResponse> {
    const operation = operationOf.get(args.route);
    const { signal: userSignal, ...init } = args.fetchOptions ?? {};
    const answer = await send({
      method: args.method,
      url: args.path,
      headers: args.headers,
      body: args.body ?? undefined,
      operation,
      authenticate: accessOf(args.route) !== 'public',
      idempotencyKey: operation && UNKEYED_OPERATIONS.has(operation) ? false : args.idempotencyKey,
      ifMatch: args.ifMatch,
      retries: args.retries,
      timeoutMs: args.timeoutMs,
      signal: userSignal ?? args.signal ?? undefined,
      init,
      stream: args[STREAM_BODY],
    });
    const body = answer.body === undefined ? parseBody(answer) : answer.body;
    const result = { status: answer.status, body, headers: answer.headers };
    if (answer.status >= 400 && args[THROW_ON_ERROR]) {
      throw CcmApiError.fromResponse(answer.status, result.body, answer.headers, answer.info);
    }
    if (
      args.validateResponse &&
      answer.body === undefined &&
      answer.status < 300 &&
      args.route.responses[answer.status] !== undefined
    ) {
      return { ...result, ...validateResponse({ appRoute: args.route, response: result }) };
    }
    return result;
  };
}

function accessOf(route: AppRoute): unknown {
  return (route.metadata as { access?: unknown } | undefined)?.access;
}

/** JSON when the server says so, text otherwise, `undefined` when empty (204, 304). */
function parseBody(answer: Answer): unknown {
  if (!answer.text) return undefined;
  if (/\bjson\b/i.test(answer.headers.get('content-type') ?? '')) {
    try {
      return JSON.parse(answer.text);
    } catch {
      return answer.text;
    }
  }
  return answer.text;
}
