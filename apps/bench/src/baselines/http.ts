import http from 'node:http';
import { serveClustered } from './bodies.js';

/** Baseline: bare node:http answering pre-built bytes, with as many cluster workers as the server. */
serveClustered((bodies) => {
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
  return server;
});
