import { type AppRoute, checkZodSchema } from '@ts-rest/core';
import { RequestValidationError } from '@ts-rest/express';
import type { Request } from 'express';

/** How many query strings a route keeps the checked form of (then it starts again: a bound, not an LRU). */
const QUERIES_KEPT = 256;

type Checked = ReturnType<typeof checkZodSchema>;

/**
 * A route's query checker that checks each query string once: the same string always gives the same result (the
 * contract's query schemas are pure), and most requests repeat a few (a list's first page has none at all). The
 * results kept are frozen, so that no request can change what the next one gets.
 */
function queryChecker(route: AppRoute) {
  // A route without a query takes none: what the request sent is passed on unchecked, as ts-rest does.
  if (!route.query) return (req: Request): Checked => checkZodSchema(req.query, route.query);
  const kept = new Map<string, Checked>();
  return (req: Request): Checked => {
    const at = req.url.indexOf('?');
    const raw = at === -1 ? '' : req.url.slice(at);
    const found = kept.get(raw);
    if (found) return found;
    const checked = checkZodSchema(req.query, route.query);
    if (!checked.success) return checked;
    if (kept.size >= QUERIES_KEPT) kept.clear();
    kept.set(raw, { success: true, data: frozen(checked.data) });
    return kept.get(raw)!;
  };
}

/** A checked query, frozen with the lists it holds (a query's values are strings, numbers, flags and lists). */
function frozen(data: unknown) {
  if (data && typeof data === 'object') for (const value of Object.values(data)) Object.freeze(value);
  return Object.freeze(data);
}

/**
 * The checker of a route's path ids, query and body, as ts-rest's Express adapter checks them (the same checks and
 * the same RequestValidationError, which errors.ts turns into the envelope).
 */
export function requestChecker(route: AppRoute) {
  const checkQuery = queryChecker(route);
  return (req: Request) => {
    const params = checkZodSchema(req.params, route.pathParams, { passThroughExtraKeys: true });
    const query = checkQuery(req);
    const body = checkZodSchema(req.body, 'body' in route ? route.body : null);
    if (!params.success || !query.success || !body.success) {
      const error = (r: Checked) => (r.success ? null : r.error);
      throw new RequestValidationError(error(params), null, error(query), error(body));
    }
    return { params: params.data as Record<string, number>, query: query.data as object, body: body.data };
  };
}
