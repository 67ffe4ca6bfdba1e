import { isUnavailable } from './errors.js';

/** What the store reports when the database stops serving, and when it serves again. */
export type OutageReport = { state: 'down'; error: string } | { state: 'up'; failures: number; seconds: number };

/** Reads and writes are watched apart: a full disk or a read-only file still serves reads. */
export type CallKind = 'read' | 'write';

/**
 * Watches the store's calls for a database that cannot serve (errors.ts, isUnavailable). The first such failure
 * is reported once; the outage ends when each kind of call that failed has succeeded again, and is reported with
 * the number of calls that failed meanwhile: one line each way in the log, not a stack per request, however
 * reads and writes interleave.
 */
export function outageWatch(report: (r: OutageReport) => void) {
  const failing = new Set<CallKind>();
  let since = 0;
  let failures = 0;
  return async function watched<T>(kind: CallKind, work: () => Promise<T>): Promise<T> {
    try {
      const result = await work();
      if (failing.delete(kind) && failing.size === 0) {
        report({ state: 'up', failures, seconds: Math.round((performance.now() - since) / 100) / 10 });
        failures = 0;
      }
      return result;
    } catch (err) {
      if (isUnavailable(err)) {
        failures += 1;
        if (failing.size === 0) {
          since = performance.now();
          report({ state: 'down', error: describe(err) });
        }
        failing.add(kind);
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
