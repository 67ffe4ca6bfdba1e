import { createRequire } from 'node:module';
import type { AppRoute } from '@ts-rest/core';
import type { NextFunction, Request, RequestHandler, Response } from 'express';

/** Express's own path matcher, so that a route matches exactly the paths it matched as an `app.get(path)`. */
interface Layer {
  params: Record<string, string> | undefined;
  match(path: string): boolean;
}
const Layer = createRequire(import.meta.url)('express/lib/router/layer.js') as new (
  path: string,
  options: { sensitive: boolean; strict: boolean; end: boolean },
  fn: RequestHandler,
) => Layer;

/** One route of the contract and the handlers that serve it, in order. */
export interface Endpoint {
  route: AppRoute;
  handlers: RequestHandler[];
}

/**
 * Serves the contract's routes from one middleware, as the `app.get(path, ...handlers)` of each would, without
 * Express walking every route's layer for every request: the routes of the request's method (HEAD: GET's) are tried
 * in the contract's order and the first whose path matches runs its handlers (`req.params`, `req.tsRestRoute` set);
 * a request none matches goes on to what follows.
 */
export function dispatch(endpoints: Endpoint[]): RequestHandler {
  const byMethod = new Map<string, { layer: Layer; endpoint: Endpoint }[]>();
  for (const endpoint of endpoints) {
    const layer = new Layer(endpoint.route.path, { sensitive: false, strict: false, end: true }, () => {});
    const method = endpoint.route.method;
    if (!byMethod.has(method)) byMethod.set(method, []);
    byMethod.get(method)!.push({ layer, endpoint });
  }
  return (req, res, next) => {
    const candidates = byMethod.get(req.method === 'HEAD' ? 'GET' : req.method);
    if (!candidates) return next();
    const path = req.path;
    for (const { layer, endpoint } of candidates) {
      let matched: boolean;
      try {
        matched = layer.match(path);
      } catch (err) {
        // A malformed %-escape in a path parameter: Express's own error for it (a 400).
        return next(err);
      }
      if (!matched) continue;
      req.params = layer.params!;
      (req as { tsRestRoute?: AppRoute }).tsRestRoute = endpoint.route;
      return runHandlers(endpoint.handlers, req, res, next);
    }
    next();
  };
}

/** Runs handlers one after the other, as an Express route does: an error (or `next('route')`) leaves the route. */
function runHandlers(handlers: RequestHandler[], req: Request, res: Response, done: NextFunction): void {
  let i = 0;
  const step = (err?: unknown) => {
    if (err === 'route') return done();
    if (err) return done(err);
    const handler = handlers[i++];
    if (!handler) return done();
    try {
      handler(req, res, step);
    } catch (thrown) {
      done(thrown);
    }
  };
  step();
}
