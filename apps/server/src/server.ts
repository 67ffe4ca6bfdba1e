import type { AddressInfo } from 'node:net';
import { ensureFirstUser } from './bootstrap.js';
import type { Config } from './config.js';
import { openStore, type Store } from './db/index.js';
import { createApp } from './http/app.js';
import { createLogger, type Logger } from './logger.js';
import type { Services } from './services/index.js';
import { servicesFor } from './wiring.js';

export interface RunningServer {
  url: string;
  store: Store;
  services: Services;
  logger: Logger;
  /** Stops accepting, lets in-flight requests finish (up to `graceMs`), then closes the database. */
  close(graceMs?: number): Promise<void>;
}

/** Opens and migrates the database, makes the first user if none, and listens. */
export async function startServer(config: Config, logger = createLogger(config.logLevel)): Promise<RunningServer> {
  const store = openStore(config.database);
  const applied = await store.migrate();
  if (applied.length > 0) logger.info({ migrations: applied }, 'applied migrations');

  const services = servicesFor(store, config);
  await ensureFirstUser(services, config, logger);

  const app = createApp(services, config, logger);
  const server = app.listen(config.port, config.host);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  const shownHost = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;

  return {
    url: `http://${shownHost}:${port}`,
    store,
    services,
    logger,
    async close(graceMs = 10_000) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const timer = setTimeout(() => server.closeAllConnections(), graceMs);
      await closed;
      clearTimeout(timer);
      await store.close();
    },
  };
}
