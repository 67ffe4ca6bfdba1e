import type { EventEmitter } from 'node:events';
import autocannon, { type Result } from 'autocannon';
import { cpuTicks, type PeakRss, rssSupported, sampleRss, waitForIdle } from './rss.js';
import type { BenchRequest } from './scenarios.js';

export interface LoadResult {
  requestsPerSecond: number;
  /** Milliseconds. */
  p50: number;
  p99: number;
  /** Answers that were not 2xx, plus connection errors and timeouts. */
  errors: number;
  requests: number;
  statusCodes: Record<string, number>;
  timeouts: number;
  connectionErrors: number;
  /** Peak memory of the target's processes while it ran (when asked to sample a pid). */
  rss?: PeakRss;
  /**
   * CPU time the target's processes spent per answer, in microseconds, from the first second of the measured run
   * to its end; the load generator shares the machine, so this is the steadier figure to compare builds by.
   * Absent with background load (its work would be counted too).
   */
  cpuMicrosPerRequest?: number;
}

export interface LoadOptions {
  url: string;
  connections: number;
  duration: number;
  warmup: number;
  next: () => BenchRequest;
  /** Rewrites each request's path (baselines answer `/<size>`). */
  path?: string;
  /** The target's process: its memory (and its children's) is sampled during the run, and the run ends when it
   * has worked through what was still queued. */
  pid: number;
  /** Wait for the target to go idle before and after (default true; false when background load runs on it). */
  settle?: boolean;
  /** Called about once a second with the seconds done and the answers counted. */
  progress?: (phase: 'warmup' | 'run', seconds: number, requests: number) => void;
}

/** Drives one target with autocannon for a bounded time over a bounded number of connections. */
export async function load(options: LoadOptions): Promise<LoadResult> {
  const settle = options.settle ?? true;
  if (settle) await waitForIdle(options.pid);
  const sampler = sampleRss(options.pid);
  let seconds = 0;
  let requests = 0;
  let cpuFrom: { ticks: number; requests: number } | undefined;
  const instance = autocannon({
    url: options.url,
    connections: options.connections,
    duration: options.duration,
    timeout: 30,
    ...(options.warmup > 0 ? { warmup: { connections: options.connections, duration: options.warmup } } : {}),
    requests: [
      {
        setupRequest: (req) => {
          const next = options.next();
          return {
            ...req,
            method: next.method,
            path: options.path ?? next.path,
            headers: next.headers,
            body: next.body ?? '',
          };
        },
      },
    ],
  }) as unknown as Promise<Result> & EventEmitter;
  if (options.warmup > 0) options.progress?.('warmup', 0, 0);
  // Ticks come once a second from the measured run only (the warm-up has its own tracker).
  instance.on('tick', (counter: { counter: number }) => {
    seconds += 1;
    requests += counter.counter;
    if (!cpuFrom && settle && rssSupported) cpuFrom = { ticks: cpuTicks(options.pid), requests };
    options.progress?.('run', seconds, requests);
  });
  const result = await instance;
  const cpu = cpuFrom && cpuPerRequest(cpuFrom, cpuTicks(options.pid), result.requests.total);
  const rss = sampler.stop();
  if (settle) await waitForIdle(options.pid);
  const statusCodes: Record<string, number> = {};
  for (const [code, stat] of Object.entries(result.statusCodeStats ?? {})) statusCodes[code] = stat.count ?? 0;
  return {
    // Answers over the measured time (autocannon's per-second average rounds slow scenarios to whole answers).
    requestsPerSecond: result.requests.total / Math.max(result.duration, 0.001),
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.non2xx + result.errors,
    requests: result.requests.total,
    statusCodes,
    timeouts: result.timeouts,
    connectionErrors: result.errors - result.timeouts,
    ...(rss ? { rss } : {}),
    ...(cpu !== undefined ? { cpuMicrosPerRequest: cpu } : {}),
  };
}

/** Microseconds of CPU per answer between two readings (Linux counts 100 ticks a second). */
function cpuPerRequest(from: { ticks: number; requests: number }, ticks: number, requests: number) {
  const answered = requests - from.requests;
  return answered > 0 ? ((ticks - from.ticks) * 10_000) / answered : undefined;
}

/**
 * Load that runs until stopped, unmeasured but counted: the other clients of a scenario with `background`.
 * Its requests time out after 60 s (a 1,000-contact import queued behind others may take seconds).
 */
export function startBackground(url: string, connections: number, next: () => BenchRequest) {
  const instance = autocannon({
    url,
    connections,
    duration: 3600,
    timeout: 60,
    requests: [{ setupRequest: (req) => ({ ...req, ...next() }) }],
  }) as unknown as Promise<Result> & { stop(): void };
  return {
    async stop(): Promise<{ requests: number; errors: number }> {
      instance.stop();
      const result = await instance;
      return { requests: result.requests.total, errors: result.non2xx + result.errors };
    },
  };
}
