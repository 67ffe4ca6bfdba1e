import { hasNext, type Paged } from '../services/index.js';

/** What links are built from: the request as it arrived. */
type Request = { originalUrl: string; protocol: string; get(name: string): string | undefined };

/** This request's absolute URL with these query parameters set, in order (undefined: removed). */
function urlWith(req: Request, params: Record<string, string | undefined>): string {
  const url = new URL(req.originalUrl, `${req.protocol}://${req.get('host') ?? 'localhost'}`);
  for (const [name, value] of Object.entries(params)) {
    if (value === undefined) url.searchParams.delete(name);
    else url.searchParams.set(name, value);
  }
  return url.toString();
}

/** Page 1 drops the parameter, as DRF does. */
const pageUrl = (req: Request, page: number) => urlWith(req, { page: page === 1 ? undefined : String(page) });
/** Keyset paging: the cursor instead of any page number. */
const cursorUrl = (req: Request, cursor: string) => urlWith(req, { page: undefined, cursor });

/** The neighbours of a page as absolute URLs. */
function neighbours(req: Request, p: Paged<unknown>) {
  if (p.cursors) {
    const { next, previous } = p.cursors;
    return { next: next && cursorUrl(req, next), previous: previous && cursorUrl(req, previous) };
  }
  return {
    next: hasNext(p) ? pageUrl(req, p.page + 1) : null,
    previous: p.page > 1 ? pageUrl(req, p.page - 1) : null,
  };
}

/** The DRF page body: count, next, previous, results. */
export function pageBody<T>(req: Request, p: Paged<T>) {
  return { count: p.count, ...neighbours(req, p), results: p.results };
}

/** RFC 8288 `Link` header value for the neighbours, or undefined when there are none. */
export function linkHeader(req: Request, p: Paged<unknown>): string | undefined {
  const { next, previous } = neighbours(req, p);
  const links = [next && `<${next}>; rel="next"`, previous && `<${previous}>; rel="prev"`].filter(Boolean);
  return links.length > 0 ? links.join(', ') : undefined;
}
