import { retryAfterMs } from './retry.js';

/** Field name (or dotted path such as `contacts.3.email`) to its messages; `non_field_errors` for the rest. */
export type FieldErrors = Record<string, string[]>;

const BRAND = Symbol.for('@ccm/sdk.error');

export type CcmErrorKind = 'api' | 'network' | 'timeout' | 'session';

/** What every error of the SDK shares: the operation (`contacts.create`), the method and the URL. */
export interface CcmRequestInfo {
  operation?: string;
  method: string;
  url: string;
  /** The `X-Request-Id` the SDK sent (the server echoes it and logs it). */
  requestId?: string;
  /** The `Idempotency-Key` the call carried: send the call again later with it and the server will not repeat it. */
  idempotencyKey?: string;
}

/**
 * The base class of every error the SDK throws. `CcmError.is(e)` also recognises errors thrown by another copy
 * of the SDK (ESM and CommonJS builds loaded side by side), where `instanceof` would fail.
 */
export class CcmError extends Error {
  /** `api`: an error answer; `network`: no answer; `timeout`: no answer in time; `session`: not signed in. */
  readonly kind: CcmErrorKind;
  readonly operation: string | undefined;
  readonly method: string;
  readonly url: string;
  readonly requestId: string | undefined;
  /** The call's `Idempotency-Key`, when it had one: pass it as `idempotencyKey` to retry the call safely later. */
  readonly idempotencyKey: string | undefined;

  constructor(kind: CcmErrorKind, message: string, info: CcmRequestInfo, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CcmError';
    this.kind = kind;
    this.operation = info.operation;
    this.method = info.method;
    this.url = info.url;
    this.requestId = info.requestId;
    this.idempotencyKey = info.idempotencyKey;
    Object.defineProperty(this, BRAND, { value: true });
  }

  static is(error: unknown): error is CcmError {
    return typeof error === 'object' && error !== null && BRAND in error;
  }
}

/** What an error answer carries besides its status and message. */
export interface CcmApiErrorDetails extends CcmRequestInfo {
  errors?: FieldErrors;
  body?: unknown;
  headers?: Headers;
}

/**
 * The server answered with an error status (4xx, 5xx). `message` is the server's message, `errors` its field
 * errors (empty when there are none), `requestId` the server's `X-Request-Id` (quote it when reporting a 500),
 * `retryAfter` the seconds the server asked the client to wait (429, 503, 409), `headers` the whole answer's.
 */
export class CcmApiError extends CcmError {
  readonly status: number;
  readonly errors: FieldErrors;
  /** The parsed response body (the error envelope), or its text when it was not JSON. */
  readonly body: unknown;
  /** The response headers. */
  readonly headers: Headers;
  /** The answer's `Retry-After` in seconds (an HTTP date counted from now), or undefined when it had none. */
  readonly retryAfter: number | undefined;

  constructor(status: number, message: string, details: CcmApiErrorDetails) {
    super('api', message, details);
    this.name = 'CcmApiError';
    this.status = status;
    this.errors = details.errors ?? {};
    this.body = details.body;
    this.headers = details.headers ?? new Headers();
    const after = retryAfterMs(this.headers);
    this.retryAfter = after === undefined ? undefined : Math.ceil(after / 1000);
  }

  /** The messages of one field (`[]` when it has none). */
  fieldErrors(field: string): string[] {
    return this.errors[field] ?? [];
  }

  static override is(error: unknown): error is CcmApiError {
    return CcmError.is(error) && error.kind === 'api';
  }

  /** Builds the error from an error response, whatever its body looks like (an envelope, HTML from a proxy...). */
  static fromResponse(status: number, body: unknown, headers: Headers, info: CcmRequestInfo): CcmApiError {
    const envelope = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
    const message =
      typeof envelope.message === 'string' && envelope.message
        ? envelope.message
        : `HTTP ${status}${statusText[status] ? ` ${statusText[status]}` : ''}`;
    const requestId =
      headers.get('x-request-id') ??
      (typeof envelope.request_id === 'string' ? envelope.request_id : undefined) ??
      info.requestId;
    const details = { ...info, requestId, errors: fieldErrorsOf(envelope.errors), body, headers };
    if (status === 412) return new CcmPreconditionFailedError(message, details);
    return new CcmApiError(status, message, details);
  }
}

/**
 * 412: the record changed since the `ifMatch` ETag was read (someone else saved it first). `currentEtag` is the
 * record's ETag now: read the record again, merge, and send the change with that one.
 */
export class CcmPreconditionFailedError extends CcmApiError {
  /** The record's current ETag (`"8"`), from the answer's body or its `ETag` header. */
  readonly currentEtag: string | undefined;

  constructor(message: string, details: CcmApiErrorDetails) {
    super(412, message, details);
    this.name = 'CcmPreconditionFailedError';
    const fromBody = (details.body as { current_etag?: unknown } | undefined)?.current_etag;
    this.currentEtag = typeof fromBody === 'string' ? fromBody : (this.headers.get('etag') ?? undefined);
  }

  static override is(error: unknown): error is CcmPreconditionFailedError {
    return CcmApiError.is(error) && error.status === 412;
  }
}

/** The request never got an answer: DNS, refused or reset connection, TLS... (`cause` holds the original). */
export class CcmNetworkError extends CcmError {
  constructor(message: string, info: CcmRequestInfo, options?: { cause?: unknown }) {
    super('network', message, info, options);
    this.name = 'CcmNetworkError';
  }

  static override is(error: unknown): error is CcmNetworkError {
    return CcmError.is(error) && error.kind === 'network';
  }
}

/** The call did not finish within its `timeoutMs` (retries and waits included). */
export class CcmTimeoutError extends CcmError {
  readonly timeoutMs: number;

  constructor(timeoutMs: number, info: CcmRequestInfo) {
    super('timeout', `${info.method} ${info.url} did not finish within ${timeoutMs} ms`, info);
    this.name = 'CcmTimeoutError';
    this.timeoutMs = timeoutMs;
  }

  static override is(error: unknown): error is CcmTimeoutError {
    return CcmError.is(error) && error.kind === 'timeout';
  }
}

/** The client has no session to use: sign in (`login()`) or give it tokens (`setTokens()`) first. */
export class CcmSessionError extends CcmError {
  constructor(message: string, info: CcmRequestInfo) {
    super('session', message, info);
    this.name = 'CcmSessionError';
  }

  static override is(error: unknown): error is CcmSessionError {
    return CcmError.is(error) && error.kind === 'session';
  }
}

function fieldErrorsOf(value: unknown): FieldErrors {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return {};
  const out: FieldErrors = {};
  for (const [field, messages] of Object.entries(value)) {
    if (Array.isArray(messages)) out[field] = messages.map(String);
    else if (typeof messages === 'string') out[field] = [messages];
  }
  return out;
}

const statusText: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  412: 'Precondition Failed',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};
