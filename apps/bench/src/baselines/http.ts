import cluster from 'node:cluster';
import http from 'node:http';
import { prebuiltBodies, workerCount } from './bodies.js';

/** Baseline: bare node:http answering pre-built bytes, with as many cluster workers as the server. */
const workers = workerCount();
if (workers > 1 && cluster.isPrimary) {
  for (let i = 0; i < workers; i++) cluster.fork();
  process.on('SIGTERM', () => {
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
    cluster.on('exit', () => {
      if (Object.values(cluster.workers ?? {}).every((w) => !w || w.isDead())) process.exit(0);
    });
  });
} else {
  const bodies = prebuiltBodies();
  const server = http.createServer((req, res) => {
    const body = bodies.get(req.url ?? '/');
    if (!body) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': body.length });
    res.end(body);
  });
  server.keepAliveTimeout = 65_000;
  server.listen(Number(process.env.PORT), process.env.HOST ?? '127.0.0.1');
  process.on('SIGTERM', () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  });
}
