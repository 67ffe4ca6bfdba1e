import cluster from 'node:cluster';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { AppRoute } from '@ts-rest/core';
import type { Request, RequestHandler, Response } from 'express';
import { AggregatorRegistry, Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { ReplicaStatus } from '../db/index.js';
import type { Logger } from '../logger.js';
import type { GroupCounts } from '../services/contacts/group.js';
import { AppError, type Principal } from '../services/index.js';
import { requestIdOf } from './requestId.js';

/**
 * The route of a request as a template with a bounded set of values, for logs and metric labels: the
 * contract's path (`/api/contacts/:id/`), else the Express route or mount point that answered (`/metrics`,
 * `/trpc`, `/api/docs`), else `unmatched`. Never the raw URL, which holds ids and can be anything.
 */
export function routeOf(req: Request): string {
  const contractRoute = (req as { tsRestRoute?: AppRoute }).tsRestRoute;
  if (contractRoute) return contractRoute.path;
  const expressRoute = (req.route as { path?: unknown } | undefined)?.path;
  if (typeof expressRoute === 'string') return req.baseUrl + expressRoute;
  if (req.baseUrl) return req.baseUrl;
  return 'unmatched';
}

/** The status as logged and labelled: `aborted` when the client went away before an answer was sent. */
const statusOf = (res: Response) => (res.headersSent ? res.statusCode : 'aborted');

/**
 * Watches every request until its answer is sent (or the client goes away), then logs it and counts it in
 * `metrics`, with the route and status worked out once for both. Mount before the routes.
 *
 * The log is one JSON line per request: request id (the `X-Request-Id` of the answer), method, route
 * template, status, duration, client address and user id. Nothing from the headers, the body or the query
 * string is logged, so no password, token or Authorization header can reach a log line. Written here rather
 * than with pino-http, which makes a child logger per request even when the level drops the line: at
 * LOG_LEVEL=warn a request costs no logging work.
 */
export function observeRequests(logger: Logger, metrics: Metrics): RequestHandler {
  return (req, res, next) => {
    const started = performance.now();
    metrics.started();
    res.once('close', () => {
      const status = statusOf(res);
      const route = routeOf(req);
      const durationMs = performance.now() - started;
      metrics.answered(req.method, route, status, durationMs / 1000);
      // The error itself, with its stack, is logged once by the error handler. A client that went away
      // (`aborted`) is no fault of the server: info, like any answer; so is a 503, whose cause (a database
      // outage, a timeout) is logged once by what saw it, not once per request.
      const level =
        status === 'aborted' || status === 503 ? 'info' : status >= 500 ? 'error' : status === 429 ? 'warn' : 'info';
      if (!logger.isLevelEnabled(level)) return;
      logger[level](
        {
          requestId: requestIdOf(res),
          method: req.method,
          route,
          status,
          durationMs: Math.round(durationMs * 1000) / 1000,
          address: req.ip,
          userId: (res.locals.principal as Principal | undefined)?.userId,
        },
        'request',
      );
    });
    next();
  };
}

export interface Metrics {
  /** A request was received (see observeRequests). */
  started(): void;
  /** It was answered, or the client went away (`aborted`). */
  answered(method: string, route: string, status: number | 'aborted', seconds: number): void;
  /** GET /metrics in the Prometheus text format; with a token, only for `Authorization: Bearer <token>`. */
  handler(token: string | undefined): RequestHandler;
}

/**
 * Each read replica's state on every scrape: `ccm_replica_lag_seconds` (NaN while unknown), `ccm_replica_up` (1: in
 * rotation) and `ccm_replica_reads_total`, labelled by `host:port/database`.
 */
function replicaMetrics(registry: Registry, replicas: () => ReplicaStatus[]) {
  const labelNames = ['replica'] as const;
  new Gauge({
    name: 'ccm_replica_lag_seconds',
    help: 'How old the oldest change a read replica has not replayed can be (to within a poll)',
    labelNames,
    registers: [registry],
    collect() {
      for (const r of replicas()) this.set({ replica: r.name }, r.lagMs === null ? Number.NaN : r.lagMs / 1000);
    },
  });
  new Gauge({
    name: 'ccm_replica_up',
    help: 'Whether a read replica is in the rotation (1) or out of it (0: starting, lagging, down, not a replica)',
    labelNames,
    registers: [registry],
    collect() {
      for (const r of replicas()) this.set({ replica: r.name }, r.state === 'up' ? 1 : 0);
    },
  });
  const counted = new Map<string, number>();
  new Counter({
    name: 'ccm_replica_reads_total',
    help: 'Reads a read replica has served',
    labelNames,
    registers: [registry],
    collect() {
      for (const r of replicas()) {
        this.inc({ replica: r.name }, r.reads - (counted.get(r.name) ?? 0));
        counted.set(r.name, r.reads);
      }
    },
  });
}

/**
 * The group commit of creates (services/contacts/group.ts): `ccm_contact_creates_grouped_total` creates committed in
 * `ccm_contact_create_groups_total` transactions; the ratio is the mean group's size (1: each create alone).
 */
function groupMetrics(registry: Registry, counts: () => GroupCounts) {
  const counter = (name: string, help: string, pick: (c: GroupCounts) => number) => {
    let counted = 0;
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        const now = pick(counts());
        this.inc(now - counted);
        counted = now;
      },
    });
  };
  counter(
    'ccm_contact_create_groups_total',
    'Transactions of the group commit of single creates (a group may hold one)',
    (c) => c.groups,
  );
  counter('ccm_contact_creates_grouped_total', 'Single creates committed in those transactions', (c) => c.creates);
}

/**
 * Prometheus metrics on a registry of this app's own (several apps in one process never collide): default
 * process metrics, and per request a count and a latency histogram labelled by method, route template and
 * status, plus the requests in flight; the read replicas' lags (`replicas`).
 */
export function createMetrics(
  replicas: () => ReplicaStatus[] = () => [],
  createGroups: () => GroupCounts = () => ({ groups: 0, creates: 0 }),
): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  // In a worker, this registry is what the primary collects (see clusterMetrics below).
  // (Constructing an AggregatorRegistry is what makes prom-client answer the primary's requests.)
  if (cluster.isWorker) {
    void new AggregatorRegistry();
    AggregatorRegistry.setRegistries([registry]);
  }
  const labelNames = ['method', 'route', 'status'] as const;
  const requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests answered, by method, route template and status',
    labelNames,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time from the request to its answer, by method, route template and status',
    labelNames,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const inFlight = new Gauge({
    name: 'http_requests_in_flight',
    help: 'Requests received and not yet answered',
    registers: [registry],
  });

  replicaMetrics(registry, replicas);
  groupMetrics(registry, createGroups);

  const started = () => inFlight.inc();
  const answered: Metrics['answered'] = (method, route, status, seconds) => {
    inFlight.dec();
    const labels = { method, route, status: String(status) };
    requests.inc(labels);
    duration.observe(labels, seconds);
  };

  const handler =
    (token: string | undefined): RequestHandler =>
    async (req, res, next) => {
      try {
        if (token !== undefined && !bearerMatches(req.headers.authorization, token)) {
          throw new AppError('unauthenticated', 'Authentication credentials were not provided.');
        }
        res.setHeader('Content-Type', registry.contentType);
        res.setHeader('Cache-Control', 'no-store');
        res.end(cluster.isWorker ? await clusterMetrics() : await registry.metrics());
      } catch (err) {
        next(err);
      }
    };

  return { started, answered, handler };
}

/** Compares digests, so the time taken says nothing about how much of the token was right. */
function bearerMatches(header: string | undefined, token: string): boolean {
  const given = /^Bearer (.+)$/i.exec(header ?? '')?.[1] ?? '';
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(given), digest(token));
}

// With WORKERS > 1, a scrape reaches one worker: it asks the primary, which gathers every worker's metrics
// (prom-client's AggregatorRegistry: counters and histograms summed) and answers over the IPC channel.
const METRICS_REQUEST = 'ccm:metrics-request';
const METRICS_ANSWER = 'ccm:metrics-answer';
type MetricsAnswer = { type: typeof METRICS_ANSWER; id: number; text?: string; error?: string };
let nextRequest = 0;

/** In a worker: the metrics of all workers, from the primary. */
function clusterMetrics(): Promise<string> {
  const id = nextRequest++;
  return new Promise((resolve, reject) => {
    const onMessage = (m: MetricsAnswer) => {
      if (m?.type !== METRICS_ANSWER || m.id !== id) return;
      finish();
      if (m.text !== undefined) resolve(m.text);
      else reject(new Error(`metrics: ${m.error}`));
    };
    const timer = setTimeout(() => {
      finish();
      reject(new Error('metrics: the primary did not answer'));
    }, 10_000);
    const finish = () => {
      clearTimeout(timer);
      process.off('message', onMessage);
    };
    process.on('message', onMessage);
    process.send?.({ type: METRICS_REQUEST, id });
  });
}

/** In the primary: answers the workers' requests for everyone's metrics. */
export function serveClusterMetrics(): void {
  const aggregator = new AggregatorRegistry();
  cluster.on('message', (worker, m: { type?: string; id?: number }) => {
    if (m?.type !== METRICS_REQUEST) return;
    aggregator.clusterMetrics().then(
      (text) => worker.send({ type: METRICS_ANSWER, id: m.id, text }),
      (err: Error) => worker.send({ type: METRICS_ANSWER, id: m.id, error: err.message }),
    );
  });
}
