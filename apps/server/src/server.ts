import type { AddressInfo } from 'node:net';
import { ensureFirstUser, type FirstUser } from './bootstrap.js';
import { userChangesOverRedis } from './bus.js';
import type { Config } from './config.js';
import { isUnavailable, openStore, type Store } from './db/index.js';
import { createApp } from './http/app.js';
import { createLimiters } from './limits.js';
import { createLogger, type Logger } from './logger.js';
import { type MaintenanceTask, startMaintenance } from './maintenance.js';
import { recentWritesInMemory, recentWritesInRedis } from './recent-writes.js';
import { startDeliverer } from './services/deliveries/index.js';
import type { Services } from './services/index.js';
import { ensureWritable } from './startup.js';
import { servicesFor } from './wiring.js';

export interface RunningServer {
  url: string;
  store: Store;
  services: Services;
  logger: Logger;
  /** The first user, when this start made it (for the lines a person reads: bootstrap.ts#banner). */
  firstUser: FirstUser | undefined;
  /**
   * Stops accepting, lets in-flight requests finish with their answers (up to `graceMs`, by default
   * SHUTDOWN_TIMEOUT_MS; then their connections are cut), then closes Redis and the database.
   */
  close(graceMs?: number): Promise<void>;
}

/** The planner's statistics are brought up to date this often (db/statistics.ts), and after migrations. */
const STATISTICS_EVERY_MS = 60 * 60 * 1000;

function statisticsTask(store: Store): MaintenanceTask {
  let analyzedAt = Date.now();
  return {
    name: 'statistics',
    async run() {
      if (Date.now() - analyzedAt < STATISTICS_EVERY_MS) return 0;
      analyzedAt = Date.now();
      await store.analyze();
      return 0;
    },
  };
}

/**
 * Opens and migrates the database, makes the first user if none, and listens. `prepared`: the database is
 * already migrated and has its first user (a cluster worker, see cluster.ts): only open it and listen.
 */
export async function startServer(
  config: Config,
  logger = createLogger(config.logLevel, undefined, config.logFormat),
  options: { prepared?: boolean } = {},
): Promise<RunningServer> {
  if (!options.prepared) ensureWritable(config.dataDir);
  const store = openStore(config.database, (report) => {
    if (report.state === 'down')
      logger.error({ error: report.error }, 'database unavailable: answering 503 until it is back');
    else logger.warn({ failures: report.failures, seconds: report.seconds }, 'database available again');
  });
  if (!options.prepared) {
    const applied = await store.migrate();
    if (applied.length > 0) logger.info({ migrations: applied }, 'applied migrations');
    await store.analyze();
  }

  const limits = await createLimiters(config, logger);
  const userChanges = config.redis.url
    ? userChangesOverRedis(config.redis.url, config.redis.keyPrefix, logger)
    : undefined;
  await userChanges?.ready;
  const window = config.readYourWritesWindowMs;
  const recentWrites = config.redis.url
    ? recentWritesInRedis(config.redis.url, config.redis.keyPrefix, window)
    : recentWritesInMemory(window);
  const services = servicesFor(store, config, limits.limiters, userChanges, recentWrites);
  const firstUser = options.prepared ? undefined : await ensureFirstUser(services, config, logger);

  let url = '';
  // Aborted first thing on close: the open tRPC subscriptions end, so their connections go idle and close at once.
  const closing = new AbortController();
  const app = createApp(services, config, logger, () => url, closing.signal);
  const server = app.listen(config.port, config.host);
  // A request must arrive whole within the time limit (slow senders are cut off with 408), its headers
  // within a minute at most; REQUEST_TIMEOUT_MS then bounds the answer (http/security.ts, 503).
  server.requestTimeout = config.requestTimeoutMs;
  server.headersTimeout = Math.min(60_000, config.requestTimeoutMs);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const stopMaintenance = startMaintenance(
    [
      { name: 'refresh-tokens', run: (n) => services.auth.pruneTokens(n) },
      { name: 'idempotency-keys', run: (n) => services.idempotency.prune(n) },
      { name: 'events', run: (n) => services.events.prune(n) },
      statisticsTask(store),
    ],
    {
      ...config.maintenance,
      logger,
    },
  );
  // An unavailable database is logged once by the store (openStore above); anything else here is worth a line.
  const deliverer = config.webhooks.deliver
    ? startDeliverer(store, services.consistency, config.webhooks, (err) => {
        if (!isUnavailable(err)) logger.warn({ err: (err as Error).message }, 'webhook deliveries: trying again');
      })
    : undefined;
  const { port } = server.address() as AddressInfo;
  const shownHost = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;

  url = `http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${port}`;
  logger.debug({ store: limits.store }, 'rate limits');
  return {
    url,
    firstUser,
    store,
    services,
    logger,
    async close(graceMs = config.shutdownTimeoutMs) {
      closing.abort();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      // A keep-alive connection that goes idle after its last answer is closed at once, not kept open.
      const closeWhenIdle = setInterval(() => server.closeIdleConnections(), 100);
      const timer = setTimeout(() => server.closeAllConnections(), graceMs);
      await closed;
      clearInterval(closeWhenIdle);
      clearTimeout(timer);
      await Promise.all([stopMaintenance(), deliverer?.stop()]);
      await Promise.all([limits.close(), userChanges?.close(), services.consistency.close()]);
      await store.close();
    },
  };
}
