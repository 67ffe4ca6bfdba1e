import { contract } from '@ccm/contract';
import { type AppRoute, isAppRoute } from '@ts-rest/core';

type Router = { [key: string]: Router | AppRoute };

function flatten(router: Router): AppRoute[] {
  return Object.values(router).flatMap((r) => (isAppRoute(r) ? [r] : flatten(r as Router)));
}

/** Every route of the contract; the source of truth for which methods a path allows. */
export const routes: AppRoute[] = flatten(contract as unknown as Router);

const table = routes.map((r) => ({
  // `.` is literal (`/api/openapi.json`); `:id` is one segment.
  pattern: new RegExp(`^${r.path.replace(/\/$/, '').replace(/\./g, '\\.').replace(/:\w+/g, '[^/]+')}/?$`),
  method: r.method,
}));

/** The methods the contract defines for this path (with HEAD wherever GET is). */
export function allowedMethods(path: string): string[] {
  const methods = new Set<string>(table.filter((t) => t.pattern.test(path)).map((t) => t.method));
  if (methods.has('GET')) methods.add('HEAD');
  return [...methods];
}
