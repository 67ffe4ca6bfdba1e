import cluster from 'node:cluster';
import express from 'express';
import { prebuiltBodies, workerCount } from './bodies.js';

/** Baseline: an Express 4 hello-world answering pre-built bytes, with as many cluster workers as the server. */
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
  const app = express();
  app.all('*', (req, res) => {
    const body = bodies.get(req.path);
    if (!body) {
      res.sendStatus(404);
      return;
    }
    res.type('json').send(body);
  });
  const server = app.listen(Number(process.env.PORT), process.env.HOST ?? '127.0.0.1');
  process.on('SIGTERM', () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  });
}
