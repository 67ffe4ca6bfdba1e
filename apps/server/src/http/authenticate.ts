import type { RouteMetadata } from '@ccm/contract';
import type { AppRoute } from '@ts-rest/core';
import type { RequestHandler, Response } from 'express';
import { AppError, authorize, type Principal, type Services } from '../services/index.js';

const BEARER = /^Bearer ([\w-]+\.[\w-]*\.[\w-]*)$/i;

/**
 * Runs before ts-rest validates the request, so that a caller without the right gets 401/403 rather than a
 * 400 about a body it may not send. The route's access comes from the contract's metadata.
 */
export function authenticate(services: Services): RequestHandler {
  return async (req, res, next) => {
    try {
      const route = (req as unknown as { tsRestRoute: AppRoute }).tsRestRoute;
      const access = (route.metadata as RouteMetadata).access;
      if (access === 'public') return next();
      const header = req.headers.authorization;
      let principal: Principal | undefined;
      if (header) {
        const token = BEARER.exec(header)?.[1];
        if (!token) throw new AppError('unauthenticated', 'Given token not valid for any token type');
        principal = await services.auth.authenticate(token);
      }
      authorize(principal, access);
      res.locals.principal = principal;
      next();
    } catch (err) {
      next(err);
    }
  };
}

export const principalOf = (res: Response): Principal => res.locals.principal as Principal;
