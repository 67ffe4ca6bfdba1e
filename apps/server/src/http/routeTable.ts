import { pathPattern, routeEntries } from '@ccm/contract';
import type { AppRoute } from '@ts-rest/core';

/** Every route of the contract; the source of truth for which methods a path allows. */
export const routes: AppRoute[] = routeEntries().map((r) => r.route);

const table = routes.map((r) => ({ pattern: pathPattern(r.path), method: r.method }));

/** The methods the contract defines for this path (with HEAD wherever GET is). */
export function allowedMethods(path: string): string[] {
  const methods = new Set<string>(table.filter((t) => t.pattern.test(path)).map((t) => t.method));
  if (methods.has('GET')) methods.add('HEAD');
  return [...methods];
}
