import { CURSOR_ERRORS } from '@ccm/contract';
import { notFound, validationError } from './errors.js';

export interface PageRequest {
  page: number;
  page_size: number;
}

/** A page of results with the total; `page`/`pageSize` let an adapter build its links. */
export interface Paged<T> {
  count: number;
  page: number;
  pageSize: number;
  results: T[];
  /** Keyset paging: the cursors of the neighbouring pages (null at either end) instead of page numbers. */
  cursors?: { next: string | null; previous: string | null };
}

/**
 * The row offset of a page. An offset no database could reach (beyond 2^53) is past the end of any result:
 * answered "Invalid page." here, before it reaches SQL as a number in exponent notation.
 */
export function offsetOf({ page, page_size }: PageRequest): number {
  const offset = (page - 1) * page_size;
  if (!Number.isSafeInteger(offset)) throw notFound('Invalid page.');
  return offset;
}

/** A page past the end is a 404, as in the seed's framework; page 1 of nothing is an empty page. */
export function paged<T>(req: PageRequest, count: number, results: T[]): Paged<T> {
  if (req.page > 1 && offsetOf(req) >= count) throw notFound('Invalid page.');
  return { count, page: req.page, pageSize: req.page_size, results };
}

export const hasNext = (p: Paged<unknown>) => (p.cursors ? p.cursors.next !== null : p.page * p.pageSize < p.count);

/**
 * A place in an ordered list for keyset paging: the sort value and id of the row it starts after, and the
 * direction (`previous` pages read backwards from their first row).
 */
export interface Position {
  ordering: string;
  value: string | number;
  id: number;
  backward: boolean;
}

/** Cursors are opaque to clients: base64url of a small JSON array, checked field by field when read back. */
export const encodeCursor = (p: Position) =>
  Buffer.from(JSON.stringify([p.ordering, p.value, p.id, p.backward ? 1 : 0])).toString('base64url');

/** The position a cursor names, for this ordering; undefined for anything else (forged, stale, other list). */
export function decodeCursor(cursor: string, ordering: string): Position | undefined {
  try {
    const [o, value, id, backward] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    if (o !== ordering || !Number.isSafeInteger(id) || (id as number) < 1) return undefined;
    if (typeof value !== 'string' && typeof value !== 'number') return undefined;
    if (backward !== 0 && backward !== 1) return undefined;
    return { ordering, value, id: id as number, backward: backward === 1 };
  } catch {
    return undefined;
  }
}

/** Where a keyset page starts: undefined (the list's start) for an empty cursor; a 400 for a cursor not of this list. */
export function cursorStart(
  query: { page: number; cursor?: string; ordering: string },
  valid: (p: Position) => boolean,
): Position | undefined {
  if (query.page !== 1) throw validationError({ cursor: [CURSOR_ERRORS.withPage] });
  if (!query.cursor) return undefined;
  const at = decodeCursor(query.cursor, query.ordering);
  if (!at || !valid(at)) throw validationError({ cursor: [CURSOR_ERRORS.invalid] });
  return at;
}

/**
 * A keyset page from rows read one past the page size in the reading direction, in the list's order (the extra row,
 * if any, is the one furthest in the reading direction: first when reading backwards), and the neighbours' cursors.
 */
export function keysetPaged<R, T>(
  rows: R[],
  { count, pageSize, at }: { count: number; pageSize: number; at: Position | undefined },
  cursorOf: (row: R, backward: boolean) => string,
  dto: (row: R) => T,
): Paged<T> {
  const backward = at?.backward ?? false;
  const more = rows.length > pageSize;
  const page = backward ? rows.slice(-pageSize) : rows.slice(0, pageSize);
  const first = page[0];
  const last = page[page.length - 1];
  return {
    count,
    page: 1,
    pageSize,
    results: page.map(dto),
    cursors: {
      // Forward: a next page if a row was left over; a previous one unless this page started the list.
      // Backward: the mirror image.
      next: last !== undefined && (backward || more) ? cursorOf(last, false) : null,
      previous: first !== undefined && (backward ? more : at !== undefined) ? cursorOf(first, true) : null,
    },
  };
}
