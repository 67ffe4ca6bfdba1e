import { createExpressMiddleware } from '@trpc/server/adapters/express';
import type { RequestHandler } from 'express';
import { jsonBody } from '../http/body.js';
import { CONSISTENCY_TOKEN } from '../http/consistency.js';
import { errorHeaders, toAppError } from '../http/errors.js';
import { requestIdOf } from '../http/requestId.js';
import type { Logger } from '../logger.js';
import type { Services } from '../services/index.js';
import { appErrorOf, isUnexpected, trpcErrorOf } from './errors.js';
import { createAppRouter } from './procedures.js';
import type { Context } from './types.js';

/** Where the tRPC endpoint is mounted. */
export const TRPC_PATH = '/trpc';

/**
 * The tRPC endpoint, to mount at TRPC_PATH: one procedure per request (no batching, so that one request is one
 * call for the rate limit, as in REST), `GET /trpc/<procedure>?input=<json>` for queries, `POST` with a JSON
 * body for mutations, `GET` for a subscription's server-sent events. The body is read by REST's rules (JSON
 * only, the size limit); a refusal is answered by tRPC, in its error format. `closing` ends the subscriptions.
 */
export function trpcEndpoint(
  services: Services,
  options: { bodyLimit: string; logger: Logger; closing?: AbortSignal },
): RequestHandler[] {
  const { logger } = options;
  const parsers = jsonBody(options.bodyLimit);
  const bodyErrors = new WeakMap<object, unknown>();

  const readBody: RequestHandler = (req, res, next) => {
    const step = (i: number) => (err?: unknown) => {
      const parser = parsers[i];
      if (err !== undefined && err !== null) bodyErrors.set(req, err);
      else if (parser) return parser(req, res, step(i + 1));
      next();
    };
    step(0)();
  };

  const handler = createExpressMiddleware({
    router: createAppRouter(services, { closing: options.closing }),
    allowBatching: false,
    createContext: ({ req, res, info }): Context => {
      if (bodyErrors.has(req)) {
        const err = bodyErrors.get(req);
        const appError = toAppError(err);
        throw appError ? trpcErrorOf(appError) : err;
      }
      return {
        authorization: req.headers.authorization,
        connectionToken: info.connectionParams?.token,
        address: req.ip,
        requestId: requestIdOf(res),
        ifMatch: req.get('if-match'),
        idempotencyKey: req.get('idempotency-key'),
        consistencyToken: req.get(CONSISTENCY_TOKEN),
        replayed: () => res.setHeader('Idempotent-Replayed', 'true'),
        consistent: (token) => res.setHeader(CONSISTENCY_TOKEN, token),
      };
    },
    // WWW-Authenticate on a 401, Retry-After on a 429: the same headers as REST.
    responseMeta: ({ errors }) => ({ headers: Object.assign({}, ...errors.map((e) => errorHeaders(appErrorOf(e)))) }),
    onError: ({ error, path, ctx }) => {
      // A call that outlived its time limit finds its answer (the 503) already sent: nothing to report.
      const lateAnswer = (error.cause as NodeJS.ErrnoException | undefined)?.code === 'ERR_HTTP_HEADERS_SENT';
      if (isUnexpected(error) && !lateAnswer) {
        logger.error({ err: error.cause ?? error, requestId: ctx?.requestId, procedure: path }, 'unhandled error');
      }
    },
  });

  return [readBody, handler];
}
