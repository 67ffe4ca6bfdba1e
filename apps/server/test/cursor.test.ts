import type { Contact } from '@ccm/contract';
import { createTRPCClient, httpLink } from '@trpc/client';
import { describe, expect, it } from 'vitest';
import type { AppRouter } from '../src/trpc/router.js';
import { createContact, createCustomer } from './support/factories.js';
import { test } from './support/fixture.js';
import type { TestServer } from './support/server.js';

// Keyset paging of the contact list (`cursor`): the same rows in the same order as page numbers give,
// forwards and backwards, with filters, stable while rows are added, and every malformed cursor a 400.

interface Page {
  count: number;
  next: string | null;
  previous: string | null;
  results: Contact[];
}

let t: TestServer;
let customers: number[];
const ORDERINGS = ['created_at', '-created_at', 'email', '-email', 'id', '-id'];

test.beforeAll(async ({ server }) => {
  t = server;
  customers = [(await createCustomer(t.staff)).id, (await createCustomer(t.staff)).id];
  // 23 contacts over two customers, some inactive, e-mails not in creation order, several per millisecond
  // (a bulk create) so that created_at ties are broken by id.
  for (let i = 0; i < 8; i++) {
    await createContact(t.staff, customers[i % 2]!, {
      email: `${String.fromCharCode(122 - i)}-single-${i}@example.com`,
      is_active: i % 3 !== 0,
    });
  }
  const items = Array.from({ length: 15 }, (_, i) => ({
    customer: customers[i % 2],
    email: `bulk-${(i * 7) % 15}-${i}@example.com`,
    wa_number: `+9477${String(2000000 + i)}`,
    tp_number: `+9471${String(2000000 + i)}`,
    is_active: i % 4 !== 0,
  }));
  const res = await t.staff.post('/api/contacts/bulk-create/', { contacts: items });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
});

async function get(path: string): Promise<Page> {
  const res = await t.staff.get(path);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.data as Page;
}

/** Fetches an absolute URL the API handed out. */
async function follow(url: string): Promise<Page> {
  const u = new URL(url);
  expect(u.origin).toBe(t.url);
  return get(u.pathname + u.search);
}

/** Every row in page-number order (the reference). */
async function byPages(query: string): Promise<number[]> {
  const ids: number[] = [];
  for (let page = 1; ; page++) {
    const data = await get(`/api/contacts/?${query}&page=${page}&page_size=100`);
    ids.push(...data.results.map((r) => r.id));
    if (!data.next) return ids;
  }
}

/** Walks the cursor links forwards from the start; returns the pages met. */
async function forwards(query: string, pageSize: number): Promise<Page[]> {
  const pages = [await get(`/api/contacts/?${query}&cursor=&page_size=${pageSize}`)];
  while (pages[pages.length - 1]!.next) pages.push(await follow(pages[pages.length - 1]!.next!));
  return pages;
}

describe('keyset paging', () => {
  for (const ordering of ORDERINGS) {
    it(`walks the whole list by ${ordering}, forwards then backwards, as page numbers order it`, async () => {
      const reference = await byPages(`ordering=${ordering}`);
      expect(reference).toHaveLength(23);
      const pages = await forwards(`ordering=${ordering}`, 5);
      expect(pages.map((p) => p.results.length)).toEqual([5, 5, 5, 5, 3]);
      expect(pages.flatMap((p) => p.results.map((r) => r.id))).toEqual(reference);
      expect(pages.every((p) => p.count === 23)).toBe(true);
      expect(pages[0]!.previous).toBeNull();
      expect(pages[pages.length - 1]!.next).toBeNull();
      for (const p of pages) {
        expect(new URL(p.next ?? p.previous!).searchParams.get('page')).toBeNull();
      }

      // Back from the last page: each `previous` gives exactly the page before it.
      let page = pages[pages.length - 1]!;
      for (let i = pages.length - 2; i >= 0; i--) {
        page = await follow(page.previous!);
        expect(page.results.map((r) => r.id)).toEqual(pages[i]!.results.map((r) => r.id));
      }
      expect(page.previous).toBeNull();
      // ...and `next` from a page reached backwards goes forwards again.
      expect((await follow(page.next!)).results.map((r) => r.id)).toEqual(pages[1]!.results.map((r) => r.id));
    });
  }

  it('keeps the filters in its links', async () => {
    const query = `customer_id=${customers[0]}&is_active=true&ordering=email`;
    const reference = await byPages(query);
    expect(reference.length).toBeGreaterThan(3);
    const pages = await forwards(query, 2);
    expect(pages.flatMap((p) => p.results.map((r) => r.id))).toEqual(reference);
    expect(pages.every((p) => p.count === reference.length)).toBe(true);
    const next = new URL(pages[0]!.next!).searchParams;
    expect(next.get('customer_id')).toBe(String(customers[0]));
    expect(next.get('is_active')).toBe('true');
  });

  it('pages through a search, short and long terms alike', async () => {
    for (const search of ['bulk', 'e-', 'single-']) {
      const query = `search=${search}&ordering=-created_at`;
      const reference = await byPages(query);
      expect(reference.length, search).toBeGreaterThan(4);
      const pages = await forwards(query, 4);
      expect(pages.flatMap((p) => p.results.map((r) => r.id))).toEqual(reference);
      expect(new URL(pages[0]!.next!).searchParams.get('search')).toBe(search);
      const back = await follow(pages[1]!.previous!);
      expect(back.results.map((r) => r.id)).toEqual(pages[0]!.results.map((r) => r.id));
    }
  });

  it('neither repeats nor skips rows when contacts are added between pages', async () => {
    const first = await get('/api/contacts/?cursor=&page_size=10');
    const added = await createContact(t.staff, customers[1]!);
    const rest: number[] = [];
    let next = first.next;
    while (next) {
      const page = await follow(next);
      rest.push(...page.results.map((r) => r.id));
      next = page.next;
    }
    const seen = [...first.results.map((r) => r.id), ...rest];
    // The newest contact sorts before the first page: a keyset walk that started earlier does not meet it.
    expect(seen).not.toContain(added.id);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toHaveLength(23);
    const res = await t.staff.delete(`/api/contacts/${added.id}/`);
    expect(res.status).toBe(204);
  });

  it('an empty list gives an empty first page with no links and no cursors', async () => {
    const page = await get('/api/contacts/?cursor=&customer_id=2147483647');
    expect(page).toEqual({
      count: 0,
      next: null,
      previous: null,
      next_cursor: null,
      previous_cursor: null,
      results: [],
    });
  });

  it('refuses malformed, forged and mismatched cursors with a 400 on the cursor field', async () => {
    const valid = new URL((await get('/api/contacts/?cursor=&page_size=2&ordering=email')).next!).searchParams.get(
      'cursor',
    )!;
    const forged = (value: unknown[]) => Buffer.from(JSON.stringify(value)).toString('base64url');
    for (const cursor of [
      'not-a-cursor',
      '%%%',
      forged(['-created_at', 'not a date', 3, 0]),
      forged(['-created_at', '2026-01-01T00:00:00.000Z', -1, 0]),
      forged(['-created_at', '2026-01-01T00:00:00.000Z', 3, 2]),
      forged(['id', 'x', 3, 0]),
      forged({ a: 1 } as never),
      'x'.repeat(513),
    ]) {
      const res = await t.staff.get(`/api/contacts/?cursor=${encodeURIComponent(cursor)}`);
      expect(res.status, cursor).toBe(400);
      expect(res.body.success).toBe(false);
      expect(res.body.errors.cursor, cursor).toBeDefined();
    }
    // A cursor made for one ordering is not read under another.
    const other = await t.staff.get(`/api/contacts/?cursor=${valid}&ordering=id`);
    expect(other.status).toBe(400);
    expect(other.body.errors.cursor).toEqual(['Invalid cursor.']);
    // Page numbers and cursors do not mix.
    const both = await t.staff.get(`/api/contacts/?cursor=${valid}&ordering=email&page=2`);
    expect(both.status).toBe(400);
    expect(both.body.errors.cursor).toEqual(['Use either page or cursor, not both.']);
  });

  it('works over tRPC with next_cursor / previous_cursor', async () => {
    const trpc = createTRPCClient<AppRouter>({
      links: [httpLink({ url: `${t.url}/trpc`, headers: () => ({ authorization: `Bearer ${t.viewer.token}` }) })],
    });
    const reference = await byPages('ordering=-id');
    const ids: number[] = [];
    let cursor: string | null | undefined = '';
    while (cursor !== null && cursor !== undefined) {
      const page = await trpc.contacts.list.query({ ordering: '-id', page_size: 7, cursor });
      ids.push(...page.results.map((r) => r.id));
      expect(page.count).toBe(23);
      cursor = page.next_cursor;
    }
    expect(ids).toEqual(reference);
    // Page-number answers carry no cursor fields.
    const numbered = await trpc.contacts.list.query({ page_size: 5 });
    expect(numbered).not.toHaveProperty('next_cursor');
  });
});
