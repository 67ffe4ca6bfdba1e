import type { Customer } from '@ccm/contract';
import { describe, expect, it } from 'vitest';
import { operations } from './support/adapters.js';
import { createCustomer } from './support/factories.js';
import { test } from './support/fixture.js';
import type { TestServer } from './support/server.js';

// Keyset paging of the customer list (`cursor`), as the contact list's (cursor.test.ts): the same rows in the same
// order as page numbers give, forwards and backwards, each neighbour's cursor as a field of the page, no row seen
// twice or missed while customers are added, and a forged cursor a 400. On every database, through both adapters.

interface Page {
  count: number;
  next: string | null;
  previous: string | null;
  next_cursor?: string | null;
  previous_cursor?: string | null;
  results: Customer[];
}

let t: TestServer;
const ORDERINGS = ['created_at', '-created_at', 'id', '-id', 'username', '-username', 'customer_id', '-customer_id'];
const MARK = `cur${Date.now().toString(36)}`;

test.beforeAll(async ({ server }) => {
  t = server;
  // Usernames not in creation order, so that every ordering differs.
  for (let i = 0; i < 13; i++) await createCustomer(t.staff, { username: `${MARK}${(i * 5) % 13}x${i}` });
});

async function page(query: string): Promise<Page> {
  const res = await t.staff.get(`/api/customers/?search=${MARK}&page_size=4&${query}`);
  expect(res.status, res.text).toBe(200);
  return res.body.data as Page;
}

const ids = (p: Page) => p.results.map((c) => c.id);

async function byPages(ordering: string): Promise<number[]> {
  const out: number[] = [];
  for (let n = 1; ; n++) {
    const p = await page(`ordering=${ordering}&page=${n}`);
    out.push(...ids(p));
    if (!p.next) return out;
  }
}

describe('customer list keyset paging', () => {
  it.each(ORDERINGS)('walks the list by %s forwards, then back, as page numbers order it', async (ordering) => {
    const reference = await byPages(ordering);
    expect(reference).toHaveLength(13);
    const seen: number[] = [];
    let p = await page(`ordering=${ordering}&cursor=`);
    const pages = [p];
    for (;;) {
      seen.push(...ids(p));
      expect(p.next === null).toBe(p.next_cursor === null);
      if (!p.next_cursor) break;
      expect(new URL(p.next!).searchParams.get('cursor')).toBe(p.next_cursor);
      p = await page(`ordering=${ordering}&cursor=${encodeURIComponent(p.next_cursor)}`);
      pages.push(p);
    }
    expect(seen).toEqual(reference);
    const back: number[] = [];
    for (let q = pages[pages.length - 1]!; q.previous_cursor; ) {
      q = await page(`ordering=${ordering}&cursor=${encodeURIComponent(q.previous_cursor)}`);
      back.unshift(...ids(q));
    }
    expect(back).toEqual(reference.slice(0, reference.length - ids(pages[pages.length - 1]!).length));
  });

  it('neither repeats nor skips a customer while others are added between pages', async () => {
    const seen: number[] = [];
    let p = await page('ordering=id&cursor=');
    const before = p.count;
    for (let i = 0; ; i++) {
      seen.push(...ids(p));
      await createCustomer(t.staff, { username: `${MARK}late${i}` });
      if (!p.next_cursor) break;
      p = await page(`ordering=id&cursor=${encodeURIComponent(p.next_cursor)}`);
    }
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.length).toBeGreaterThanOrEqual(before);
  });

  it('refuses a forged cursor, and a cursor with a page, with a 400 on the cursor field', async () => {
    for (const query of [
      'cursor=bm9wZQ',
      `cursor=${Buffer.from('["id",1,0,0]').toString('base64url')}`,
      'cursor=&page=2',
    ]) {
      const res = await t.staff.get(`/api/customers/?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.body.errors).toHaveProperty('cursor');
    }
  });

  it('over tRPC: a numbered page with next_cursor / previous_cursor', async () => {
    const trpc = operations(t.url, t.staff.token);
    const seen: number[] = [];
    let input: Record<string, unknown> = { search: MARK, ordering: '-username', page_size: 5, cursor: '' };
    for (;;) {
      const res = await trpc.trpc('customers.list', input);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      seen.push(...res.data.results.map((c: Customer) => c.id));
      if (!res.data.next_cursor) break;
      input = { ...input, cursor: res.data.next_cursor };
    }
    expect(seen).toEqual(await byPages('-username'));
  });
});
