/** How a call is retried: how often, how long to wait between attempts, how long a server may ask us to wait. */
export interface RetryOptions {
  /** Retries after the first attempt (default 2). `0` disables retries. */
  retries?: number;
  /** Base of the exponential backoff (default 200 ms): waits drawn from [0, 200], [0, 400], [0, 800] ms... */
  minDelayMs?: number;
  /** Cap of one backoff wait (default 5,000 ms). Does not apply to `Retry-After`. */
  maxDelayMs?: number;
  /**
   * Longest `Retry-After` the client waits for (default 60,000 ms). A server asking for more gets no retry: the
   * call fails at once with the error, whose `retryAfter` says when to come back.
   */
  maxRetryAfterMs?: number;
}

export const DEFAULT_RETRY: Required<RetryOptions> = {
  retries: 2,
  minDelayMs: 200,
  maxDelayMs: 5000,
  maxRetryAfterMs: 60_000,
};

/** Methods that change nothing, or change the same way however often they are sent. */
const IDEMPOTENT_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);
/** Answers of a server (or a proxy) that did not get to the request, or could not finish it. */
const UNAVAILABLE = new Set([502, 503, 504]);

/** What the retry decision needs to know about the call. */
export interface RetryPlan {
  method: string;
  /** The call carries an `Idempotency-Key`: the server answers a repeat without doing the work twice. */
  keyed: boolean;
  /** The most retries this call may make. */
  retries: number;
  /** When the call's time budget ends (ms since the epoch; Infinity: never). */
  deadline: number;
}

/** Whether sending the request again cannot do the work twice. */
export const safeToRepeat = (plan: RetryPlan): boolean => plan.keyed || IDEMPOTENT_METHODS.has(plan.method);

/** The wait before retrying after no answer at all (a dropped connection...), or undefined: do not retry. */
export function waitAfterNetworkError(plan: RetryPlan, attempt: number, retry: Required<RetryOptions>) {
  return attempt < plan.retries && safeToRepeat(plan) ? backoff(retry, attempt) : undefined;
}

/**
 * The wait before retrying after an answer, or undefined: the answer is final. A 429 is retried for every call
 * (the server refused before doing anything); 502/503/504 only when a repeat is safe; a 409 only for a keyed
 * call told to come back (its first attempt is still running). `Retry-After` is honoured as sent, unless it
 * exceeds `maxRetryAfterMs` or the time left to the call: then the answer is final at once.
 */
export function waitAfterAnswer(
  plan: RetryPlan,
  attempt: number,
  answer: { status: number; headers: Headers },
  retry: Required<RetryOptions>,
): number | undefined {
  if (attempt >= plan.retries) return undefined;
  const after = retryAfterMs(answer.headers);
  const retryable =
    answer.status === 429 ||
    (UNAVAILABLE.has(answer.status) && safeToRepeat(plan)) ||
    (answer.status === 409 && plan.keyed && after !== undefined);
  if (!retryable) return undefined;
  if (after === undefined) return backoff(retry, attempt);
  if (after > retry.maxRetryAfterMs || Date.now() + after > plan.deadline) return undefined;
  return after;
}

/** Exponential backoff with full jitter: a wait drawn uniformly from [0, min(maxDelayMs, minDelayMs · 2^attempt)]. */
export function backoff(retry: Required<RetryOptions>, attempt: number): number {
  return Math.random() * Math.min(retry.maxDelayMs, retry.minDelayMs * 2 ** attempt);
}

/** A `Retry-After` (seconds, or an HTTP date) in milliseconds from now; undefined when absent or unreadable. */
export function retryAfterMs(headers: Headers): number | undefined {
  const value = headers.get('retry-after')?.trim();
  if (!value) return undefined;
  const ms = /^\d+$/.test(value) ? Number(value) * 1000 : Date.parse(value) - Date.now();
  return Number.isFinite(ms) ? Math.max(ms, 0) : undefined;
}
