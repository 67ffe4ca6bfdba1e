import type { Access, RouteMetadata } from '@ccm/contract';
import type { AppRoute } from '@ts-rest/core';
import type { RequestHandler, Response } from 'express';
import { AppError, authorize, type Principal, type Services } from '../services/index.js';

const BEARER = /^Bearer ([\w-]+\.[\w-]*\.[\w-]*)$/i;

/**
 * Admits a call to an operation with the given access, or throws 401/403/429: the token of the Authorization
 * header (read only when the access needs it), the rate limit, then the role. The REST routes and the tRPC
 * procedures both call this. The rate limit comes before the token's verdict, so that a flood of bad tokens
 * is limited too (by address).
 */
export async function admit(
  services: Services,
  access: Access,
  request: { authorization?: string; address?: string },
): Promise<Principal | undefined> {
  let principal: Principal | undefined;
  let refusal: unknown;
  if (access !== 'public' && request.authorization) {
    const token = BEARER.exec(request.authorization)?.[1];
    try {
      if (!token) throw new AppError('unauthenticated', 'Given token not valid for any token type');
      principal = await services.auth.authenticate(token);
    } catch (err) {
      refusal = err;
    }
  }
  await services.throttle({ principal, address: request.address });
  if (refusal) throw refusal;
  authorize(principal, access);
  return principal;
}

/**
 * Runs before ts-rest validates the request, so that a caller without the right gets 401/403 rather than a
 * 400 about a body it may not send. The route's access comes from the contract's metadata.
 */
export function authenticate(services: Services): RequestHandler {
  return async (req, res, next) => {
    try {
      const route = (req as unknown as { tsRestRoute: AppRoute }).tsRestRoute;
      const access = (route.metadata as RouteMetadata).access;
      res.locals.principal = await admit(services, access, {
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
