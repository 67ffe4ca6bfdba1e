import cluster from 'node:cluster';
import { banner } from './bootstrap.js';
import { runPrimary } from './cluster.js';
import { loadConfig } from './config.js';
import { hasConsole } from './http/console.js';
import { startServer } from './server.js';
import { failStartup, readEnvFile } from './startup.js';

let databaseUrl: string | undefined;

async function main() {
  readEnvFile();
  const config = loadConfig(process.env, { terminal: process.stdout.isTTY === true });
  databaseUrl = config.database.url;
  if (config.workers > 1 && cluster.isPrimary) return runPrimary(config);
  const server = await startServer(config, undefined, { prepared: cluster.isWorker });
  server.logger.info({ url: `${server.url}/api/`, database: server.store.dialect }, 'listening');

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    server.logger.info({ signal }, 'shutting down');
    // close() cuts the connections still busy after SHUTDOWN_TIMEOUT_MS; should closing the database hang,
    // the process still ends a little later.
    setTimeout(() => {
      server.logger.error('shutdown took too long');
      process.exit(1);
    }, config.shutdownTimeoutMs + 5_000).unref();
    server.close().then(
      () => {
        server.logger.info('stopped');
        process.exit(0);
      },
      (err) => {
        server.logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  // Printed once Ctrl-C is handled: a person who reads it and stops the server gets the graceful shutdown.
  if (cluster.isPrimary) process.stdout.write(banner(server.url, server.firstUser, hasConsole(config.consoleDir)));
}

main().catch((err) => failStartup(err, databaseUrl));
