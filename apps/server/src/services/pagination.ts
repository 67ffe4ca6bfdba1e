import { notFound } from './errors.js';

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

export const hasNext = (p: Paged<unknown>) => p.page * p.pageSize < p.count;
