/**
 * The database work the store has begun and not yet settled, so that closing can wait for it. At shutdown the
 * HTTP server stops waiting once the connections are gone, but the handler of a request whose client went
 * away is still running (on SQLite, perhaps queued for the write lock in transaction.ts): closing the database
 * under it would fail it halfway (500s, "connection manager was closed"). Work begun while closing waits is
 * counted too and let through: it comes from such handlers (the server takes no new requests by then).
 */
export interface InFlight {
  /** Runs `work`, counted until it settles. */
  run<T>(work: () => Promise<T>): Promise<T>;
  /** Resolves once no work is left (true), or after `timeoutMs` (false). */
  drain(timeoutMs: number): Promise<boolean>;
}

export function inFlight(): InFlight {
  let running = 0;
  const idle = new Set<() => void>();
  return {
    async run(work) {
      running++;
      try {
        return await work();
      } finally {
        running--;
        if (running === 0) for (const wake of idle) wake();
      }
    },
    drain(timeoutMs) {
      if (running === 0) return Promise.resolve(true);
      return new Promise((resolve) => {
        const done = (settled: boolean) => {
          clearTimeout(timer);
          idle.delete(wake);
          resolve(settled);
        };
        const wake = () => done(true);
        const timer = setTimeout(() => done(false), timeoutMs);
        idle.add(wake);
      });
    },
  };
}

/** A repository with each call counted (calls inside a counted transaction are simply counted twice). */
export function counted<R extends object>(repo: R, work: Pick<InFlight, 'run'>): R {
  const out: Record<string, unknown> = {};
  for (const [name, method] of Object.entries(repo)) {
    out[name] = typeof method === 'function' ? (...args: unknown[]) => work.run(async () => method(...args)) : method;
  }
  return out as R;
}
