import { type CcmRequestInfo, CcmTimeoutError } from './errors.js';

/**
 * Runs `task` with a signal that aborts when the caller's signal does (the call rejects with its reason) or when
 * `timeoutMs` passes (the call rejects with a CcmTimeoutError), and the moment that happens (Infinity: never).
 * `0` or `Infinity` means no time limit.
 */
export async function withDeadline<T>(
  timeoutMs: number,
  callerSignal: AbortSignal | undefined,
  info: CcmRequestInfo,
  task: (signal: AbortSignal, deadline: number) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  const onAbort = () => controller.abort(callerSignal?.reason);
  if (callerSignal?.aborted) onAbort();
  else callerSignal?.addEventListener('abort', onAbort, { once: true });
  const limited = timeoutMs > 0 && Number.isFinite(timeoutMs);
  const deadline = limited ? Date.now() + timeoutMs : Number.POSITIVE_INFINITY;
  const timer = limited
    ? setTimeout(() => controller.abort(new CcmTimeoutError(timeoutMs, info)), timeoutMs)
    : undefined;
  try {
    if (controller.signal.aborted) throw controller.signal.reason;
    return await task(controller.signal, deadline);
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

export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const waited = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  return abortable(waited, signal).finally(() => clearTimeout(timer));
}
