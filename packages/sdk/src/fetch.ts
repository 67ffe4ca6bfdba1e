import type { Answer, Sender } from './send.js';

/** The options of {@link CcmFetch}: `fetch`'s own, and how the client treats the call. */
export interface CcmFetchInit extends Omit<RequestInit, 'signal'> {
  signal?: AbortSignal | null;
  /** Time budget of the call, retries and waits included (default: the client's `timeoutMs`). */
  timeoutMs?: number;
  /** Retries for this call (default: the client's). */
  retries?: number;
  /** The call's `Idempotency-Key`; default: a new one for POST, PUT, PATCH and DELETE; `false`: none. */
  idempotencyKey?: string | false;
  /** `If-Match`: an ETag (`"7"`) or a record's version (7). */
  ifMatch?: string | number;
  /** A name for the call in errors (`contacts.create`). */
  operation?: string;
  /** Send the access token (default true). */
  authenticate?: boolean;
}

/**
 * A `fetch` through the client: token and renewal, retries, time limit, request id and idempotency key. A path
 * (`/api/contacts/`) is read against the client's `baseUrl`. Like `fetch`, it resolves with every answer, error
 * statuses included; it rejects with a CcmNetworkError or CcmTimeoutError when there is no answer. The body must
 * be resendable (a string, not a stream).
 */
export type CcmFetch = (input: string, init?: CcmFetchInit) => Promise<Response>;

export function createFetch(send: Sender, baseUrl: string): CcmFetch {
  return async (input, init = {}) => {
    const { timeoutMs, retries, idempotencyKey, ifMatch, operation, authenticate, signal, ...rest } = init;
    const { method, headers, body, ...options } = rest;
    const answer = await send({
      method: method ?? 'GET',
      url: input.startsWith('/') ? `${baseUrl}${input}` : input,
      headers: recordOf(new Headers(headers)),
      body,
      operation,
      authenticate,
      idempotencyKey,
      ifMatch,
      retries,
      timeoutMs,
      signal: signal ?? undefined,
      init: options,
    });
    return responseOf(answer);
  };
}

function recordOf(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  headers.forEach((value, name) => {
    out[name] = value;
  });
  return out;
}

/** Statuses whose answers have no body (the Response constructor refuses one). */
const NULL_BODY = new Set([101, 204, 205, 304]);

/** The answer as a `Response` again (its body was read to be able to retry). */
function responseOf(answer: Answer): Response {
  const headers = new Headers(answer.headers);
  // The text is already decoded: the Response must not claim otherwise.
  headers.delete('content-encoding');
  headers.delete('content-length');
  const body = NULL_BODY.has(answer.status) ? null : answer.text;
  return new Response(body, { status: answer.status, statusText: answer.statusText, headers });
}
