import type { RouteMetadata } from '@ccm/contract';
import type { AppRoute } from '@ts-rest/core';
import type { RequestHandler, Response } from 'express';
import type { Principal, Services } from '../services/index.js';

/**
 * Runs before ts-rest validates the request, so that a caller without the right gets 401/403 rather than a
 * 400 about a body it may not send. The route's access comes from the contract's metadata.
 */
export function authenticate(services: Services): RequestHandler {
  return async (req, res, next) => {
    try {
      const route = (req as unknown as { tsRestRoute: AppRoute }).tsRestRoute;
      const access = (route.metadata as RouteMetadata).access;
      res.locals.principal = await services.admit(access, {
        authorization: req.headers.authorization,
        address: req.ip,
      });
      next();
    } catch (err) {
      next(err);
    }
  };
}

export const principalOf = (res: Response): Principal => res.locals.principal as Principal;
