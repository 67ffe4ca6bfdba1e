import type { AttemptResult, DeliveryRecord } from '../../db/index.js';

/** How deliveries are retried (WEBHOOK_RETRY_SCHEDULE) and when an endpoint is given up (WEBHOOK_DISABLE_AFTER_HOURS). */
export interface RetrySettings {
  /** Milliseconds before each retry; after the last, the delivery has failed. */
  retryScheduleMs: number[];
  disableAfterMs: number;
}

/** Up to 10% either way, so that the retries of many deliveries that failed together do not come together. */
const JITTER = 0.1;

/** What one attempt came to: a response's status, or an error that kept it from one. */
export interface Attempt {
  responseStatus: number | null;
  error: string | null;
  ms: number;
}

/** The record of an attempt: succeeded on a 2xx; else retried after the schedule's next delay, or failed. */
export function outcomeOf(
  d: DeliveryRecord,
  attempt: Attempt,
  at: Date,
  settings: RetrySettings,
  random = Math.random,
): AttemptResult {
  const base = {
    id: d.id,
    webhookId: d.webhookId,
    leaseToken: d.leaseToken!,
    at,
    responseStatus: attempt.responseStatus,
    responseTimeMs: Math.round(attempt.ms),
    error: attempt.error,
  };
  if (attempt.error === null) return { ...base, status: 'succeeded', nextAttemptAt: null };
  // `attempts` counts those recorded before this one: the first retry follows the first failure.
  const delay = settings.retryScheduleMs[d.attempts];
  if (delay === undefined) return { ...base, status: 'failed', nextAttemptAt: null };
  const jittered = delay * (1 + (random() * 2 - 1) * JITTER);
  return { ...base, status: 'pending', nextAttemptAt: new Date(at.getTime() + jittered) };
}

/** The end of a delivery whose event was pruned before it could be sent. */
export const eventGone = (d: DeliveryRecord, at: Date): AttemptResult =>
  outcomeOf(d, { responseStatus: null, error: 'The event is past its retention.', ms: 0 }, at, {
    retryScheduleMs: [],
    disableAfterMs: 0,
  });
