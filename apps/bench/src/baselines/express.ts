import http from 'node:http';
import express from 'express';
import { serveClustered } from './bodies.js';

/** Baseline: an Express 4 hello-world answering pre-built bytes, with as many cluster workers as the server. */
serveClustered((bodies) => {
  const app = express();
  app.all('*', (req, res) => {
    const body = bodies.get(req.path);
    if (!body) {
      res.sendStatus(404);
      return;
    }
    res.type('json').send(body);
  });
  return http.createServer(app);
});
