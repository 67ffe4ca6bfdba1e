import { cursorOf, linksOf } from './paging.js';

/** What a call answered, as the friendly methods shape it. */
interface Answered {
  body: unknown;
  headers: Headers;
}

/**
 * The result of a friendly method: the `data` of the envelope, with what the SDK adds from the answer: a record's
 * `etag`, a page's `nextCursor`/`previousCursor`, a header-paged list's `count`/`next`/`previous`.
 */
export function resultOf({ body, headers }: Answered): unknown {
  const data = unwrap(body);
  if (Array.isArray(data)) return pagedArray(data, headers);
  if (isPage(data)) return withCursors(data);
  if (isRecord(data)) return withEtag(data, headers);
  return data;
}

/** The `data` of an envelope, `undefined` for an envelope without data, any other body as it is. */
function unwrap(body: unknown): unknown {
  if (isRecord(body) && typeof body.success === 'boolean') return body.data;
  return body;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const isPage = (value: unknown): value is Record<string, unknown> & { next: unknown; previous: unknown } =>
  isRecord(value) && Array.isArray(value.results) && typeof value.count === 'number';

/** A record's ETag: the answer's `ETag` header, else the one its `version` stands for; none for other data. */
function withEtag(data: Record<string, unknown>, headers: Headers): Record<string, unknown> {
  const etag = headers.get('etag') ?? (typeof data.version === 'number' ? `"${data.version}"` : undefined);
  return etag === undefined ? data : { ...data, etag };
}

/** The neighbours' cursors as fields: the body's own (`next_cursor`), else the `cursor` of the `next` link. */
function withCursors(page: Record<string, unknown> & { next: unknown; previous: unknown }) {
  return {
    ...page,
    nextCursor: textOrNull(page.next_cursor) ?? cursorOf(page.next),
    previousCursor: textOrNull(page.previous_cursor) ?? cursorOf(page.previous),
  };
}

function textOrNull(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

/** A bare array answered with its paging in headers: the array, plus `count` (X-Total-Count) and the `Link`s. */
function pagedArray(items: unknown[], headers: Headers) {
  const total = Number(headers.get('x-total-count') ?? Number.NaN);
  const { next, previous } = linksOf(headers.get('link'));
  return Object.assign(items, { count: Number.isInteger(total) && total >= 0 ? total : items.length, next, previous });
}
