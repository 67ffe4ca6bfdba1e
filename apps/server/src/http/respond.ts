import { Stream } from 'node:stream';
import { type AppRoute, isAppRouteNoBody, isAppRouteOtherResponse, validateResponse } from '@ts-rest/core';
import type { Request, Response } from 'express';

/** Statuses whose answer Express strips of its body and content headers (res.send). */
const BODILESS = new Set([204, 205, 304]);

/**
 * A route's answer as ts-rest's Express adapter writes it: a stream piped, a status without a body ended, another
 * content type sent as it is, JSON otherwise; checked against the contract first when `validate` (tests).
 */
export function respond(
  route: AppRoute,
  req: Request,
  res: Response,
  status: number,
  body: unknown,
  validate: boolean,
) {
  if (body instanceof Stream) return void body.pipe(res.status(status));
  const checked = validate ? validateResponse({ appRoute: route, response: { status, body } }).body : body;
  // ts-rest's own reading of a status the contract does not list (304): neither check holds, so JSON.
  const responseType = route.responses[status] as Parameters<typeof isAppRouteNoBody>[0];
  if (isAppRouteNoBody(responseType)) return void res.status(status).end();
  if (isAppRouteOtherResponse(responseType)) {
    res.setHeader('content-type', responseType.contentType);
    return void res.status(status).send(checked);
  }
  sendJson(req, res, status, checked);
}

/**
 * What `res.status(status).json(body)` sends, written directly when nothing of Express's is needed: no body-less
 * status, no `If-None-Match` to compare with (Express would answer 304), no Content-Type already set. Express's
 * json and send read three settings, parse and rebuild the Content-Type and look at freshness on every answer.
 */
function sendJson(req: Request, res: Response, status: number, body: unknown) {
  if (
    body === undefined ||
    BODILESS.has(status) ||
    req.headers['if-none-match'] !== undefined ||
    res.getHeader('content-type') !== undefined
  ) {
    return void res.status(status).json(body);
  }
  const text = JSON.stringify(body);
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(text));
  res.end(text);
}
