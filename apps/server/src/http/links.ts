import { hasNext, type Paged } from '../services/index.js';

/** What links are built from: the request as it arrived (Express's, narrowed so that ts-rest's request fits). */
type Request = { originalUrl: string; protocol: string; get(name: string): string | undefined };

/**
 * The origin that absolute links (`next`, `previous`, `Link`) start with, for a request. Never a raw client
 * header: a `Host: evil.example.com` must not send a client's next page elsewhere.
 */
export type LinkBase = (req: Request) => string;

export interface LinkSettings {
  /** PUBLIC_URL: where clients reach the API (a path prefix of a proxy included); wins over everything. */
  publicUrl: string | undefined;
  /** TRUST_PROXY is set: X-Forwarded-Host and -Proto come from a proxy of ours. */
  trustProxy: boolean;
  /** ALLOWED_HOSTS: the host names a trusted request may name for its links. */
  allowedHosts: string[];
  /** This server's own address (`http://127.0.0.1:8000`), known once it listens. */
  selfUrl: () => string;
}

export function linkBase(settings: LinkSettings): LinkBase {
  const { publicUrl, trustProxy, allowedHosts, selfUrl } = settings;
  if (publicUrl) return () => publicUrl;
  const allowed = new Set(allowedHosts.map((h) => h.toLowerCase()));
  if (!trustProxy || allowed.size === 0) return () => selfUrl();
  return (req) => {
    const host = (req.get('x-forwarded-host')?.split(',')[0] ?? req.get('host') ?? '').trim();
    const name = host.replace(/:\d+$/, '').toLowerCase();
    return allowed.has(name) && /^[\w.-]+(:\d+)?$|^\[[\d:a-f.]+\](:\d+)?$/i.test(host)
      ? `${req.protocol}://${host}`
      : selfUrl();
  };
}

/** How many links are kept once built (then it starts again: a bound, not an LRU). */
const LINKS_KEPT = 512;
const built = new Map<string, string>();

/**
 * This request's absolute URL with these query parameters set, in order (undefined: removed). Built once per
 * URL and parameters: the same page's neighbours are asked for again and again (a list's first page above all).
 */
function urlWith(base: string, req: Request, params: Record<string, string | undefined>): string {
  const entries = Object.entries(params);
  const key = JSON.stringify([base, req.originalUrl, entries]);
  const found = built.get(key);
  if (found !== undefined) return found;
  const url = new URL(`${base}${req.originalUrl}`);
  for (const [name, value] of entries) {
    if (value === undefined) url.searchParams.delete(name);
    else url.searchParams.set(name, value);
  }
  if (built.size >= LINKS_KEPT) built.clear();
  built.set(key, url.toString());
  return built.get(key)!;
}

/** The neighbours of a page as absolute URLs: page numbers (page 1 drops the parameter, as DRF does) or cursors. */
function neighbours(base: string, req: Request, p: Paged<unknown>) {
  const pageUrl = (page: number) => urlWith(base, req, { page: page === 1 ? undefined : String(page) });
  const cursorUrl = (cursor: string) => urlWith(base, req, { page: undefined, cursor });
  if (p.cursors) {
    const { next, previous } = p.cursors;
    return { next: next && cursorUrl(next), previous: previous && cursorUrl(previous) };
  }
  return { next: hasNext(p) ? pageUrl(p.page + 1) : null, previous: p.page > 1 ? pageUrl(p.page - 1) : null };
}

/** The DRF page body: count, next, previous, results. */
export function pageBody<T>(base: string, req: Request, p: Paged<T>) {
  const cursors = p.cursors && { next_cursor: p.cursors.next, previous_cursor: p.cursors.previous };
  return { count: p.count, ...neighbours(base, req, p), ...cursors, results: p.results };
}

/** RFC 8288 `Link` header value for the neighbours, or undefined when there are none. */
export function linkHeader(base: string, req: Request, p: Paged<unknown>): string | undefined {
  const { next, previous } = neighbours(base, req, p);
  const links = [next && `<${next}>; rel="next"`, previous && `<${previous}>; rel="prev"`].filter(Boolean);
  return links.length > 0 ? links.join(', ') : undefined;
}
