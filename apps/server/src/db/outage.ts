import { isUnavailable } from './errors.js';

/** What the store reports when the database stops answering, and when it answers again. */
export type OutageReport = { state: 'down'; error: string } | { state: 'up'; failures: number; seconds: number };

/**
 * Watches the store's calls for a database that cannot serve (errors.ts, isUnavailable): the first such failure
 * is reported once, the next successful call reports the end with the number of calls that failed meanwhile,
 * so that an outage is one line each way in the log, not a stack per request.
 */
export function outageWatch(report: (r: OutageReport) => void) {
  let since: number | undefined;
  let failures = 0;
  return async function watched<T>(work: () => Promise<T>): Promise<T> {
    try {
      const result = await work();
      if (since !== undefined) {
        report({ state: 'up', failures, seconds: Math.round((performance.now() - since) / 100) / 10 });
        since = undefined;
        failures = 0;
      }
      return result;
    } catch (err) {
      if (isUnavailable(err)) {
        failures += 1;
        if (since === undefined) {
          since = performance.now();
          report({ state: 'down', error: describe(err) });
        }
      }
      throw err;
    }
  };
}

/** The driver's code and message, without a stack. */
function describe(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown; parent?: { code?: unknown; message?: unknown } };
  const inner = e.parent ?? e;
  return [inner.code, inner.message ?? e.message].filter((p) => typeof p === 'string' && p !== '').join(': ');
}
