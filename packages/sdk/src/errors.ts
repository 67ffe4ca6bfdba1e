/** Field name (or dotted path such as `contacts.3.email`) to its messages; `non_field_errors` for the rest. */
export type FieldErrors = Record<string, string[]>;

const BRAND = Symbol.for('@ccm/sdk.error');

export type CcmErrorKind = 'api' | 'network' | 'timeout';

/** What every error of the SDK shares: the operation (`contacts.create`), the method and the URL. */
export interface CcmRequestInfo {
  operation?: string;
  method: string;
  url: string;
  /** The `X-Request-Id` the SDK sent (the server echoes it and logs it). */
  requestId?: string;
}

/**
 * The base class of every error the SDK throws. `CcmError.is(e)` also recognises errors thrown by another copy
 * of the SDK (ESM and CommonJS builds loaded side by side), where `instanceof` would fail.
 */
export class CcmError extends Error {
  /** `api`: an error answer; `network`: no answer; `timeout`: no answer in time. */
  readonly kind: CcmErrorKind;
  readonly operation: string | undefined;
  readonly method: string;
  readonly url: string;
  readonly requestId: string | undefined;

  constructor(kind: CcmErrorKind, message: string, info: CcmRequestInfo, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CcmError';
    this.kind = kind;
    this.operation = info.operation;
    this.method = info.method;
    this.url = info.url;
    this.requestId = info.requestId;
    Object.defineProperty(this, BRAND, { value: true });
  }

  static is(error: unknown): error is CcmError {
    return typeof error === 'object' && error !== null && BRAND in error;
  }
}

/**
 * The server answered with an error status (4xx, 5xx). `message` is the server's message, `errors` its field
 * errors (empty when there are none), `requestId` the server's `X-Request-Id` (quote it when reporting a 500).
 */
export class CcmApiError extends CcmError {
  readonly status: number;
  readonly errors: FieldErrors;
  /** The parsed response body (the error envelope), or its text when it was not JSON. */
  readonly body: unknown;

  constructor(status: number, message: string, info: CcmRequestInfo & { errors?: FieldErrors; body?: unknown }) {
    super('api', message, info);
    this.name = 'CcmApiError';
    this.status = status;
    this.errors = info.errors ?? {};
    this.body = info.body;
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
    return new CcmApiError(status, message, { ...info, requestId, errors: fieldErrorsOf(envelope.errors), body });
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
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};
