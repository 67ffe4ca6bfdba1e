import { randomUUID } from 'node:crypto';
import type { RequestHandler, Response } from 'express';

const VALID = /^[\w.:-]{1,128}$/;

/** Echoes a well-formed incoming `X-Request-Id`, or makes one; every response carries it. */
export const requestId: RequestHandler = (req, res, next) => {
  const incoming = req.headers['x-request-id'];
  const id = typeof incoming === 'string' && VALID.test(incoming) ? incoming : randomUUID();
  res.locals.requestId = id;
  res.setHeader('X-Request-Id', id);
  next();
};

export const requestIdOf = (res: Response): string => res.locals.requestId as string;
