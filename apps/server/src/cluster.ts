import cluster, { type Worker } from 'node:cluster';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { banner, ensureFirstUser, type FirstUser } from './bootstrap.js';
import { type Config, heapLimitFlags } from './config.js';
import { openStore } from './db/index.js';
import { serveWriteTurns } from './db/write-turns.js';
import { hasConsole } from './http/console.js';
import { serveClusterMetrics } from './http/observability.js';
import { createLogger } from './logger.js';
import { ensureWritable } from './startup.js';
import { servicesFor } from './wiring.js';

/**
 * The primary process when WORKERS > 1. It migrates the database and makes the first user once, closes its
 * connection, then forks the workers: each runs main.ts again, opens the database (nothing else is shared)
 * and listens on the same port, node:cluster handing the connections round. SIGTERM and SIGINT are passed on
 * to the workers, which close gracefully; the primary exits once they all have. A worker that dies after it
 * started listening is replaced; one that dies before stops the whole server (a bad setting, a busy port).
 */
export async function runPrimary(config: Config): Promise<void> {
  const logger = createLogger(config.logLevel, undefined, config.logFormat);
  // Every worker would fail alike on a port that is taken: said once, here, before anything starts.
  await portIsFree(config.port, config.host);
  ensureWritable(config.dataDir);
  const store = openStore(config.database);
  let firstUser: FirstUser | undefined;
  try {
    const applied = await store.migrate();
    if (applied.length > 0) logger.info({ migrations: applied }, 'applied migrations');
    firstUser = await ensureFirstUser(servicesFor(store, config), config, logger);
  } finally {
    await store.close();
  }

  const alive = new Set<Worker>();
  const listening = new Set<Worker>();
  let announced = false;
  let stopping = false;
  let failed = false;

  cluster.setupPrimary({ execArgv: workerExecArgv(config) });
  const fork = () => alive.add(cluster.fork());
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal, workers: alive.size }, 'shutting down');
    for (const worker of alive) worker.process.kill(signal);
    // The workers bound their own shutdown by SHUTDOWN_TIMEOUT_MS; this only guards against one that hangs.
    setTimeout(() => {
      logger.error('workers took too long to stop');
      for (const worker of alive) worker.process.kill('SIGKILL');
      process.exit(1);
    }, config.shutdownTimeoutMs + 10_000).unref();
  };

  cluster.on('listening', (worker, address: AddressInfo | string) => {
    listening.add(worker);
    if (announced || listening.size < config.workers) return;
    announced = true;
    const port = typeof address === 'string' ? address : address.port;
    const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
    logger.info({ url: `http://${host}:${port}/api/`, workers: config.workers }, 'listening');
    process.stdout.write(banner(`http://${host}:${port}`, firstUser, hasConsole(config.consoleDir)));
  });

  cluster.on('exit', (worker, code, signal) => {
    alive.delete(worker);
    const started = listening.delete(worker);
    if (!stopping) {
      // One that dies before it listens has said why on stderr (startup.ts): the server stops with it.
      if (started) {
        logger.error({ worker: worker.id, pid: worker.process.pid, code, signal }, 'worker died');
        fork();
      } else {
        failed = true;
        stop('SIGTERM');
      }
    } else if (code !== 0) failed = true;
    if (stopping && alive.size === 0) {
      logger.info('stopped');
      process.exit(failed ? 1 : 0);
    }
  });

  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  serveClusterMetrics();
  serveWriteTurns(); // asked for by workers on SQLite only
  for (let i = 0; i < config.workers; i++) fork();
}

/** The workers' node flags: this process's, and the heap limit. */
const workerExecArgv = (config: Config) => [...process.execArgv, ...heapLimitFlags(config.workerHeapLimitMb)];

/** Resolves when the port can be listened on (and leaves it free); rejects with the listen error otherwise. */
function portIsFree(port: number, host: string): Promise<void> {
  if (port === 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(port, host, () => probe.close(() => resolve()));
  });
}
