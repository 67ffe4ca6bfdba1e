import cors from 'cors';
import type { Request, RequestHandler, Response } from 'express';
import helmet from 'helmet';
import type { Logger } from '../logger.js';
import { type AppError, unavailable } from '../services/index.js';
import { CONSISTENCY_TOKEN } from './consistency.js';
import { routeOf } from './observability.js';
import { requestIdOf } from './requestId.js';

/**
 * helmet's headers with a Content Security Policy that the API needs (none of its answers is a page) and
 * the docs page at /api/docs/ allows: swagger-ui-dist's own scripts and styles from this origin, inline
 * styles (swagger-ui sets style attributes), its images as data: URIs, fetches of the OpenAPI document
 * from this origin. No inline script anywhere. `upgrade-insecure-requests` is left out: the server speaks
 * plain HTTP (TLS, when any, ends at a proxy), and the directive would break the docs page on a plain
 * http:// address.
 */
export function securityHeaders(): RequestHandler {
  const headers = headersOf(
    helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          scriptSrcAttr: ["'none'"],
          styleSrc: ["'self'", "'unsafe-inline'"],
          imgSrc: ["'self'", 'data:'],
          fontSrc: ["'self'", 'data:'],
          connectSrc: ["'self'"],
          objectSrc: ["'none'"],
          baseUri: ["'self'"],
          formAction: ["'self'"],
          frameAncestors: ["'none'"],
        },
      },
      frameguard: { action: 'deny' },
      referrerPolicy: { policy: 'no-referrer' },
    }),
  );
  return (_req, res, next) => {
    for (const [name, value] of headers) res.setHeader(name, value);
    next();
  };
}

/**
 * The headers a middleware sets, recorded once at start-up. helmet's answer depends only on its options,
 * yet it rebuilds and re-validates every header on each request; the recorded list is replayed instead.
 */
function headersOf(middleware: RequestHandler): [string, string][] {
  const headers: [string, string][] = [];
  const res = {
    setHeader: (name: string, value: unknown) => headers.push([name, String(value)]),
    removeHeader: () => {},
  };
  middleware({} as Request, res as unknown as Response, () => {});
  return headers;
}

/**
 * CORS for the origins of CORS_ORIGINS, compared exactly (`*`: any origin); with none listed, no
 * cross-origin browser call is allowed. Preflights of an allowed origin are answered 204 here; for any
 * other origin no CORS header is sent, so the browser refuses. Tokens travel in the Authorization header,
 * never in cookies: credentials stay off.
 */
export function corsFor(origins: string[]): RequestHandler {
  const any = origins.includes('*');
  const allowed = new Set(origins);
  const middleware = cors({
    origin: (origin, callback) => callback(null, origin !== undefined && (any || allowed.has(origin))),
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: [
      'Authorization',
      'Content-Type',
      'X-Request-Id',
      'Idempotency-Key',
      'If-Match',
      'If-None-Match',
      CONSISTENCY_TOKEN,
    ],
    exposedHeaders: [
      'X-Request-Id',
      'X-Total-Count',
      'Link',
      'Retry-After',
      'ETag',
      'Idempotent-Replayed',
      CONSISTENCY_TOKEN,
    ],
    credentials: false,
    maxAge: 600,
  });
  // Without an Origin header the cors package sends nothing and goes on; it need not build its options to see that.
  return (req, res, next) => (req.headers.origin === undefined ? next() : middleware(req, res, next));
}

/**
 * A request still unanswered after `ms` gets a 503, which `answer` writes in its adapter's error format; whatever
 * the handler does afterwards is dropped (its database work, already under way, still completes or rolls back on its
 * own).
 */
export function requestTimeout(
  ms: number,
  logger: Logger,
  answer: (req: Request, res: Response, appError: AppError) => void,
): RequestHandler {
  return (req, res, next) => {
    const timer = setTimeout(() => {
      if (res.headersSent) return;
      logger.warn({ requestId: requestIdOf(res), method: req.method, route: routeOf(req), ms }, 'request timed out');
      res.setHeader('Connection', 'close');
      answer(req, res, unavailable('The server took too long to answer. Please try again.'));
    }, ms);
    timer.unref();
    res.once('close', () => clearTimeout(timer));
    next();
  };
}
