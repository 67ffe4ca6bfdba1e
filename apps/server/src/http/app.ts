import express, { type Express, type Request, type Response } from 'express';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { AppError, type Services } from '../services/index.js';
import { sendTrpcError } from '../trpc/errors.js';
import { TRPC_PATH, trpcEndpoint } from '../trpc/express.js';
import { authenticate } from './authenticate.js';
import { jsonBody } from './body.js';
import { consoleSite } from './console.js';
import { dispatch } from './dispatch.js';
import { docsAssets } from './docs.js';
import { errorHandler, notFoundHandler, sendError } from './errors.js';
import { linkBase } from './links.js';
import { createMetrics, observeRequests } from './observability.js';
import { requestId, requestIdOf } from './requestId.js';
import { restEndpoints } from './rest.js';
import { corsFor, requestTimeout, securityHeaders } from './security.js';

/**
 * `selfUrl`: this server's address once it listens, the origin of absolute links without PUBLIC_URL (links.ts);
 * `closing`: aborted when the server shuts down, which ends the open tRPC subscriptions.
 */
export function createApp(
  services: Services,
  config: Config,
  logger: Logger,
  selfUrl: () => string,
  closing?: AbortSignal,
): Express {
  const app = express();
  app.disable('x-powered-by');
  // JSON answers are small and mostly unique; hashing each one for an ETag costs more than it saves.
  app.set('etag', false);
  // Flat query strings only: `a[b]=1` stays a plain key instead of becoming an object.
  app.set('query parser', 'simple');
  if (config.trustProxy !== undefined) app.set('trust proxy', config.trustProxy);

  app.use(requestId);
  // Logs, metrics, headers, CORS (answers preflights) and the time limit: for every request, first.
  const metrics = createMetrics(services.consistency.replicas, services.contacts.createGroups);
  app.use(observeRequests(logger, metrics), securityHeaders(), corsFor(config.corsOrigins));
  app.use(requestTimeout(config.requestTimeoutMs, logger, sendErrorFor));
  // Every route of the contract (all under /api/, so nothing below answers one of their paths), from one table.
  const links = linkBase({
    publicUrl: config.publicUrl,
    trustProxy: config.trustProxy !== undefined,
    allowedHosts: config.allowedHosts,
    selfUrl,
  });
  const rest = restEndpoints(services, links, logger, {
    // Authentication first: a caller without the right gets 401/403 before anything about its body.
    before: [authenticate(services), ...jsonBody(config.bodyLimit)],
    validateAnswers: config.env === 'test',
  });
  app.use(dispatch(rest));
  // Prometheus scrapes; outside the contract, so not in the OpenAPI document (see README, Operations).
  app.get('/metrics', metrics.handler(config.metricsToken));
  // The staff console at `/` (apps/web); without its build, a browser that opens `/` lands on the docs page.
  const site = consoleSite(config.consoleDir);
  if (site) app.use(site);
  else app.get('/', (_req, res) => res.redirect(302, '/api/docs/'));

  // The same operations over tRPC (src/trpc): same services, access, validation and error codes.
  app.use(TRPC_PATH, ...trpcEndpoint(services, { bodyLimit: config.bodyLimit, logger, closing }));
  // The files of the docs page (the page itself is a contract route).
  app.use('/api/docs', docsAssets());
  app.use(notFoundHandler);
  app.use(errorHandler(logger));
  return app;
}

/** An AppError in the format of the adapter the request is for: tRPC's under TRPC_PATH, REST's envelope elsewhere. */
function sendErrorFor(req: Request, res: Response, appError: AppError): void {
  // The whole path: inside the tRPC mount, Express has cut TRPC_PATH off `req.path` by the time the limit runs out.
  const path = req.originalUrl.split('?')[0]!;
  const procedure = path.startsWith(`${TRPC_PATH}/`) ? path.slice(TRPC_PATH.length + 1) : undefined;
  if (procedure === undefined) sendError(res, appError);
  else sendTrpcError(res, appError, procedure, requestIdOf(res));
}

export { AppError };
