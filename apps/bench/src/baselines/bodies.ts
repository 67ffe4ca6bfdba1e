import cluster from 'node:cluster';
import type { Server } from 'node:http';
/**
 * The answers of a baseline, built once at start: for each size in BENCH_SIZES (bytes, comma-separated), a
 * JSON body of exactly that size, served at `/<size>`; `/` answers `ok` (readiness).
 */
export function prebuiltBodies(env: NodeJS.ProcessEnv = process.env): Map<string, Buffer> {
  const bodies = new Map<string, Buffer>([['/', Buffer.from('ok')]]);
  for (const size of (env.BENCH_SIZES ?? '').split(',').filter(Boolean).map(Number)) {
    const frame = '{"data":""}';
    const text = size >= frame.length ? `{"data":"${'x'.repeat(size - frame.length)}"}` : 'x'.repeat(size);
    bodies.set(`/${size}`, Buffer.from(text));
  }
  return bodies;
}

/** WORKERS processes (node:cluster), as the server runs. */
export const workerCount = () => Math.max(1, Number(process.env.WORKERS ?? '1') || 1);

/**
 * Runs a baseline server the way the real one runs: with WORKERS > 1 the primary forks that many workers and
 * relays SIGTERM; each worker (or the only process) listens on PORT/HOST with the server `start` returns.
 */
export function serveClustered(start: (bodies: Map<string, Buffer>) => Server): void {
  const workers = workerCount();
  if (workers > 1 && cluster.isPrimary) {
    for (let i = 0; i < workers; i++) cluster.fork();
    process.on('SIGTERM', () => {
      for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
      cluster.on('exit', () => {
        if (Object.values(cluster.workers ?? {}).every((w) => !w || w.isDead())) process.exit(0);
      });
    });
    return;
  }
  const server = start(prebuiltBodies());
  server.listen(Number(process.env.PORT), process.env.HOST ?? '127.0.0.1');
  process.on('SIGTERM', () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  });
}
