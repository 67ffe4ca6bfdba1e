import type { Page } from './types.js';

/** The `cursor` query parameter of a page link, or null (no link, or a link by page number). */
export function cursorOf(link: unknown): string | null {
  if (typeof link !== 'string' || !link) return null;
  try {
    return new URL(link).searchParams.get('cursor') || null;
  } catch {
    return null;
  }
}

/** The `page` query parameter of a page link (page 1 when the link has none), or null when there is no link. */
function pageNumberOf(link: string | null): number | null {
  if (!link) return null;
  try {
    return Number(new URL(link).searchParams.get('page') ?? '1') || null;
  } catch {
    return null;
  }
}

/** The `next` and `prev` targets of an RFC 8288 `Link` header (`<url>; rel="next", <url>; rel="prev"`). */
export function linksOf(header: string | null): { next: string | null; previous: string | null } {
  const links = { next: null as string | null, previous: null as string | null };
  for (const match of (header ?? '').matchAll(/<([^>]*)>\s*;([^,]*)/g)) {
    const rels =
      /\brel\s*=\s*"?([^";]+)"?/i
        .exec(match[2] ?? '')?.[1]
        ?.toLowerCase()
        .split(/\s+/) ?? [];
    if (rels.includes('next')) links.next = match[1] ?? null;
    if (rels.includes('prev') || rels.includes('previous')) links.previous = match[1] ?? null;
  }
  return links;
}

/** Lists one page of a list for a query (the friendly `list` method). */
export type ListPage<T> = (input: { query: Record<string, unknown> } & Record<string, unknown>) => Promise<Page<T>>;

/**
 * Every record of a list, page after page by keyset cursor: each record once, even while others are added or
 * removed. The first page is asked for with an empty cursor; a server that answers a list without cursors is
 * followed by its page links instead (then a record added meanwhile may shift one into a page already read).
 */
export async function* iterate<T>(
  list: ListPage<T>,
  query: Record<string, unknown> = {},
  options: Record<string, unknown> = {},
): AsyncGenerator<T, void, undefined> {
  const { page: _page, cursor: _cursor, ...filters } = query;
  let position: Record<string, unknown> = { cursor: '' };
  for (;;) {
    const page = await list({ ...options, query: { ...filters, ...position } });
    yield* page.results;
    if (page.nextCursor) {
      position = { cursor: page.nextCursor };
      continue;
    }
    const next = pageNumberOf(page.next);
    // Only forward: a link back to a page already read would loop.
    if (next === null || next <= Number(position.page ?? 1)) return;
    position = { page: next };
  }
}

/** Reads one page of the feed after a cursor (the friendly `events.list` method). */
export type ListEvents<E> = (
  input: { query: Record<string, unknown> } & Record<string, unknown>,
) => Promise<{ results: E[]; next_cursor: string }>;

/**
 * Every event after `after` (from the first without it), in order, each once: page after page by `next_cursor`,
 * until the feed is caught up; with `follow`, on and on (each read long-polls `wait` seconds, 25 by default).
 */
export async function* iterateEvents<E>(
  list: ListEvents<E>,
  query: { after?: string; follow?: boolean; wait?: number } & Record<string, unknown> = {},
  options: Record<string, unknown> = {},
): AsyncGenerator<E, void, undefined> {
  const { after = '', follow = false, wait, ...filters } = query;
  let cursor = after;
  for (;;) {
    const page = await list({ ...options, query: { ...filters, after: cursor, wait: follow ? (wait ?? 25) : 0 } });
    yield* page.results;
    cursor = page.next_cursor;
    if (page.results.length === 0 && !follow) return;
  }
}
