import { startPostgresReplica, startPrivatePostgres } from './private-db.js';

/*
 * A private PostgreSQL primary and a streaming replica of it that applies each commit late, for runs by hand: the
 * suite against a lagging replica, the benchmark with a replica (docs/testing.md, docs/benchmarks.md). Runs as root
 * (the servers run as `postgres`), prints the URLs, and stops both on Ctrl-C or SIGTERM.
 *
 *   pnpm --filter @ccm/server exec tsx test/support/replica-cli.ts [apply delay in ms, default 200]
 */

async function main() {
  const delay = Number(process.argv[2] ?? 200);
  const primary = await startPrivatePostgres();
  const replica = await startPostgresReplica(primary, delay);
  const base = (url: string) => url.replace(/\/postgres$/, '');
  process.stdout.write(
    `primary: ${base(primary.url)}\nreplica: ${base(replica.url)} (applies commits ${delay} ms late)\n\n` +
      `TEST_DATABASE_URL=${base(primary.url)} TEST_READ_REPLICA_URL=${base(replica.url)}\n` +
      `DATABASE_URL=${base(primary.url)} pnpm bench --replica ${base(replica.url)}\n`,
  );
  const stop = async () => {
    await replica.dispose();
    await primary.dispose();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  // Nothing else keeps the process alive: the servers are unreferenced children.
  setInterval(() => {}, 1 << 30);
}

void main();
