import express, { type Request, type RequestHandler } from 'express';
import { AppError } from '../services/index.js';

const JSON_TYPES = ['application/json', 'application/*+json'];

/**
 * How deep a JSON body may nest. The API's deepest body (a bulk create) is three levels; a body nested
 * 100,000 deep overflowed the stack inside tRPC's adapter (a 500).
 */
export const MAX_JSON_DEPTH = 32;

/** Whether a parsed JSON value nests deeper than `max` (walked without recursion, so a deep one cannot overflow). */
export function nestsDeeperThan(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (node === null || typeof node !== 'object') continue;
    if (depth >= max) return true;
    for (const child of Array.isArray(node) ? node : Object.values(node)) {
      if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
    }
  }
  return false;
}

export const tooDeep = () =>
  new AppError('validation', 'The request body is nested too deeply.', {
    non_field_errors: [`JSON may nest at most ${MAX_JSON_DEPTH} levels deep.`],
  });

/** Whether a request carries a body, as body-parser decides it (type-is: a Transfer-Encoding or a Content-Length). */
const hasBody = (req: Request) =>
  req.headers['transfer-encoding'] !== undefined || req.headers['content-length'] !== undefined;

/**
 * A request that carries a body must say it is JSON; the body is then parsed up to `limit` (gzip and deflate
 * bodies are inflated first) and may nest at most MAX_JSON_DEPTH levels. A request without one gets the empty
 * object body-parser would give it, without the three steps.
 */
export function jsonBody(limit: string): RequestHandler[] {
  const requireJson: RequestHandler = (req, _res, next) => {
    const announced = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
    if (announced && !req.is(JSON_TYPES)) {
      return next(new AppError('unsupported_media_type', 'Unsupported media type: send application/json.'));
    }
    next();
  };
  const parse = express.json({ limit, type: JSON_TYPES, strict: true });
  const shallow: RequestHandler = (req, _res, next) => {
    if (!nestsDeeperThan(req.body, MAX_JSON_DEPTH)) return next();
    // Dropped, so that nothing after (tRPC's adapter reads the body whatever the error) walks it.
    req.body = undefined;
    next(tooDeep());
  };
  const read: RequestHandler = (req, res, next) => {
    if (!hasBody(req)) {
      req.body = req.body || {};
      return next();
    }
    requireJson(req, res, (err) => {
      if (err) return next(err);
      parse(req, res, (err2) => (err2 ? next(err2) : shallow(req, res, next)));
    });
  };
  return [read];
}
