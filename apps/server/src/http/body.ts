import express, { type RequestHandler } from 'express';
import { AppError } from '../services/index.js';

const JSON_TYPES = ['application/json', 'application/*+json'];

/** A request that carries a body must say it is JSON; the body is then parsed up to `limit`. */
export function jsonBody(limit: string): RequestHandler[] {
  const requireJson: RequestHandler = (req, _res, next) => {
    const hasBody = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
    if (hasBody && !req.is(JSON_TYPES)) {
      return next(new AppError('unsupported_media_type', 'Unsupported media type: send application/json.'));
    }
    next();
  };
  return [requireJson, express.json({ limit, type: JSON_TYPES, strict: true })];
}
