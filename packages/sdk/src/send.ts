import type { ConsistencyTokens } from './consistency.js';
import { abortable, sleep, withDeadline } from './deadline.js';
import { CcmApiError, CcmError, CcmNetworkError, type CcmRequestInfo } from './errors.js';
import { idempotencyKeyOf, ifMatchHeader, randomId } from './idempotency.js';
import { type RetryOptions, type RetryPlan, waitAfterAnswer, waitAfterNetworkError } from './retry.js';

/** A `fetch` implementation: the global one by default (Node 18+, browsers, Deno, Bun, workers). */
export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

/** What the sender needs from the session: a token to send, and a way to renew it after a 401. */
export interface Authenticator {
  accessToken(signal: AbortSignal): Promise<string | undefined>;
  /** Renews the session after `rejected` got a 401; resolves false when there is nothing to renew with. */
  renewAfter401(rejected: string, signal: AbortSignal): Promise<boolean>;
}

export interface SenderConfig {
  fetch: FetchLike | undefined;
  timeoutMs: number;
  retry: Required<RetryOptions>;
  headers: Record<string, string>;
  auth: Authenticator;
  /** The session's consistency token: sent with every call, the newest one answered kept (consistency.ts). */
  consistency: ConsistencyTokens;
}

/** One call as the sender takes it: the request, and how to treat it. */
export interface OutgoingRequest {
  method: string;
  url: string;
  headers?: Record<string, string>;
  /** A body that can be sent again (a string...): retries resend it. */
  body?: BodyInit | null;
  /** The operation's name (`contacts.create`), for errors. */
  operation?: string;
  /** Send the access token (default true). */
  authenticate?: boolean;
  /** The call's key; undefined: a new one for a write; `false`: none (and the call is not repeated blindly). */
  idempotencyKey?: string | false;
  /** `If-Match`: an ETag, or a version. */
  ifMatch?: string | number;
  retries?: number;
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Other `fetch` options (credentials, cache, mode...). */
  init?: RequestInit;
  /** Leave a success's body unread, as `Answer.body` (a file to stream); its time limit ends with the headers. */
  stream?: boolean;
}

/** The final answer of a call, its body read as text. */
export interface Answer {
  status: number;
  statusText: string;
  headers: Headers;
  text: string;
  info: CcmRequestInfo;
  /** A streamed success's body, unread (`text` is then empty). */
  body?: ReadableStream<Uint8Array> | null;
}

export type Sender = (request: OutgoingRequest) => Promise<Answer>;

interface Prepared {
  request: OutgoingRequest;
  method: string;
  headers: Record<string, string>;
  info: CcmRequestInfo;
  keyed: boolean;
}

/**
 * Sends calls with authentication (token, renewal after a 401), retries (see retry.ts), one time budget per call,
 * a request id and an idempotency key that stay the same across the call's attempts.
 */
export function createSender(config: SenderConfig): Sender {
  return (request) => {
    const prepared = prepare(config, request);
    const timeoutMs = request.timeoutMs ?? config.timeoutMs;
    return withDeadline(timeoutMs, request.signal, prepared.info, (signal, deadline) => {
      const retries = Math.max(0, request.retries ?? config.retry.retries);
      const plan: RetryPlan = { method: prepared.method, keyed: prepared.keyed, retries, deadline };
      return sendWithRetries(config, prepared, plan, signal);
    });
  };
}

function prepare(config: SenderConfig, request: OutgoingRequest): Prepared {
  const method = request.method.toUpperCase();
  const headers: Record<string, string> = {
    accept: 'application/json',
    ...lowerCaseKeys(config.headers),
    ...lowerCaseKeys(request.headers ?? {}),
  };
  headers['x-request-id'] ||= randomId();
  const key = idempotencyKeyOf(method, headers['idempotency-key'], request.idempotencyKey);
  if (key) headers['idempotency-key'] = key;
  if (request.ifMatch !== undefined && !headers['if-match']) headers['if-match'] = ifMatchHeader(request.ifMatch);
  const info: CcmRequestInfo = {
    operation: request.operation,
    method,
    url: request.url,
    requestId: headers['x-request-id'],
    ...(key ? { idempotencyKey: key } : {}),
  };
  return { request, method, headers, info, keyed: key !== undefined };
}

async function sendWithRetries(config: SenderConfig, prepared: Prepared, plan: RetryPlan, signal: AbortSignal) {
  let renewed = false;
  let retried = 0;
  for (;;) {
    const outcome = await attemptOnce(config, prepared, signal);
    let wait: number | undefined;
    if ('error' in outcome) {
      wait = waitAfterNetworkError(plan, retried, config.retry);
      if (wait === undefined) throw networkError(outcome.error, prepared.info);
    } else {
      // A request refused for its token did nothing: renew the session and send it again, once, uncounted.
      if (outcome.answer.status === 401 && outcome.token && !renewed) {
        renewed = true;
        if (await config.auth.renewAfter401(outcome.token, signal)) continue;
      }
      wait = waitAfterAnswer(plan, retried, outcome.answer, config.retry);
      if (wait === undefined) return outcome.answer;
    }
    await sleep(wait, signal);
    // Every retry counts, whatever made it wait (Retry-After: 0 included): the loop always ends.
    retried += 1;
  }
}

type Outcome = { answer: Answer; token: string | undefined } | { error: unknown };

/** One attempt: an answer, or the failure to get one. An abort, or an error answer to a renewal, is final. */
async function attemptOnce(config: SenderConfig, prepared: Prepared, signal: AbortSignal): Promise<Outcome> {
  const { request, method, info } = prepared;
  const headers = { ...prepared.headers };
  const doFetch: FetchLike = config.fetch ?? ((input, init) => globalThis.fetch(input, init));
  try {
    const token = request.authenticate === false ? undefined : await config.auth.accessToken(signal);
    if (token) headers.authorization = `Bearer ${token}`;
    const consistent = config.consistency.current();
    if (consistent && !headers['x-consistency-token']) headers['x-consistency-token'] = consistent;
    const init = { ...request.init, method, headers, body: request.body ?? undefined, signal };
    const response = await doFetch(request.url, init);
    config.consistency.keep(response.headers.get('x-consistency-token'));
    const { status, statusText } = response;
    if (request.stream && response.ok) {
      return { answer: { status, statusText, headers: response.headers, text: '', info, body: response.body }, token };
    }
    const text = await abortable(response.text(), signal);
    return { answer: { status, statusText, headers: response.headers, text, info }, token };
  } catch (error) {
    if (signal.aborted || CcmApiError.is(error)) throw error;
    return { error };
  }
}

function networkError(error: unknown, info: CcmRequestInfo): CcmError {
  if (CcmError.is(error)) return error;
  return new CcmNetworkError(`${info.method} ${info.url} failed: ${messageOf(error)}`, info, { cause: error });
}

function lowerCaseKeys(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}

function messageOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as { cause?: unknown }).cause;
  return cause instanceof Error && cause.message ? `${error.message} (${cause.message})` : error.message;
}
