import { type AppRoute, type AppRouter, isAppRoute } from '@ts-rest/core';
import { contract } from './router.js';

/** One operation of the contract, by its dotted name (`contacts.setPrimary`). */
export interface NamedRoute {
  name: string;
  route: AppRoute;
}

/** Every route of a ts-rest router (the API's contract by default), depth first, in declaration order. */
export function routeEntries(router: AppRouter = contract, prefix = ''): NamedRoute[] {
  return Object.entries(router).flatMap(([key, value]) => {
    const name = prefix ? `${prefix}.${key}` : key;
    return isAppRoute(value) ? [{ name, route: value }] : routeEntries(value, name);
  });
}

/** A regular expression for the concrete paths of a route path (`/api/contacts/:id/` matches `/api/contacts/7/`). */
export const pathPattern = (path: string) =>
  new RegExp(`^${path.replace(/\/$/, '').replace(/\./g, '\\.').replace(/:\w+/g, '[^/]+')}/?$`);
