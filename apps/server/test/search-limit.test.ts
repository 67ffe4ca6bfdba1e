import { randomBytes } from 'node:crypto';
import { SEARCH_COUNT_LIMIT } from '@ccm/contract';
import { QueryTypes, type Sequelize } from 'sequelize';
import { describe, expect, it } from 'vitest';
import { operations } from './support/adapters.js';
import { createCustomer } from './support/factories.js';
import { test } from './support/fixture.js';
import type { TestServer } from './support/server.js';

// A contact search's count is exact up to SEARCH_COUNT_LIMIT matches; past it the count says the limit, the numbered
// pages end there, and the pages (read in the order's index, db/contacts/list.ts) are still those of a scan; through
// REST and tRPC.

let t: TestServer;
let raw: Sequelize;
test.beforeAll(({ server, raw: connection }) => {
  t = server;
  raw = connection;
});

const marker = () => Array.from(randomBytes(8), (b) => String.fromCharCode(97 + (b % 26))).join('');

const MORE = 5;
const [all, first, rest] = [marker(), marker(), marker()];

/** Contacts of `customer`, numbered `from` on: the e-mail and time of each number, half of them active. */
async function insert(customer: number, count: number, email: (i: number) => string, at: (i: number) => Date) {
  for (let from = 0; from < count; from += 1000) {
    const rows = Array.from({ length: Math.min(1000, count - from) }, (_, k) => from + k);
    await raw.query(
      `INSERT INTO contacts (customer_id, email, wa_number, tp_number, is_primary, is_active, created_at, updated_at,
         version) VALUES ${rows.map(() => '(?, ?, ?, ?, ?, ?, ?, ?, 1)').join(', ')}`,
      {
        replacements: rows.flatMap((i) => [
          customer,
          email(i),
          `+9477${String(i).padStart(7, '0')}`,
          `+94112${String(i).padStart(6, '0')}`,
          false,
          i % 2 === 0,
          at(i),
          at(i),
        ]),
      },
    );
  }
}

/**
 * LIMIT + MORE contacts whose e-mails hold `all`; the first LIMIT also `first`, the others `rest`. Written around the
 * API (thousands of them), a second apart, half of them active; the database's triggers index them.
 */
async function seed(): Promise<void> {
  const customer = await createCustomer(t.staff);
  const start = Date.UTC(2026, 0, 1);
  await insert(
    customer.id,
    SEARCH_COUNT_LIMIT + MORE,
    (i) => `${all}.${i}.${i < SEARCH_COUNT_LIMIT ? first : rest}@example.com`,
    (i) => new Date(start + i * 1000),
  );
}

/** The ids of the contacts whose e-mail holds `term`, as a scan orders them. */
async function scan(term: string, order: string, extra = ''): Promise<number[]> {
  const rows = (await raw.query(`SELECT id FROM contacts WHERE email LIKE :p${extra} ORDER BY ${order}`, {
    replacements: { p: `%${term}%` },
    type: QueryTypes.SELECT,
  })) as { id: number }[];
  return rows.map((r) => Number(r.id));
}

async function page(query: string) {
  const res = await t.viewer.get(`/api/contacts/?${query}`);
  return { status: res.status, body: res.body.data };
}
const idsOf = (results: { id: number }[]) => results.map((r) => r.id);

describe('a search with more matches than the count limit', () => {
  it('counts up to the limit, and pages as a scan would, in any order, up to the limit', async () => {
    await seed();
    const newest = await scan(all, 'created_at DESC, id DESC');
    expect(newest).toHaveLength(SEARCH_COUNT_LIMIT + MORE);

    const one = await page(`search=${all}&page_size=100`);
    expect(one.status).toBe(200);
    expect(one.body.count).toBe(SEARCH_COUNT_LIMIT);
    expect(idsOf(one.body.results)).toEqual(newest.slice(0, 100));

    const byId = await page(`search=${all}&page_size=100&page=3&ordering=id`);
    expect(idsOf(byId.body.results)).toEqual((await scan(all, 'id')).slice(200, 300));

    // The last numbered page ends at the limit; the one after it is past the end.
    const last = await page(`search=${all}&page_size=100&page=${SEARCH_COUNT_LIMIT / 100}`);
    expect(idsOf(last.body.results)).toEqual(newest.slice(SEARCH_COUNT_LIMIT - 100, SEARCH_COUNT_LIMIT));
    expect(last.body.next).toBeNull();
    expect((await page(`search=${all}&page_size=100&page=${SEARCH_COUNT_LIMIT / 100 + 1}`)).status).toBe(404);

    // tRPC answers the same count and page.
    const viaTrpc = await operations(t.url, t.viewer.token).trpc('contacts.list', { search: all, page_size: 100 });
    expect(viaTrpc.status).toBe(200);
    expect(viaTrpc.data.count).toBe(SEARCH_COUNT_LIMIT);
    expect(idsOf(viaTrpc.data.results)).toEqual(newest.slice(0, 100));

    // Keyset pages go on from where they are.
    const start = await page(`search=${all}&page_size=100&cursor=`);
    expect(idsOf(start.body.results)).toEqual(newest.slice(0, 100));
    const next = await page(`search=${all}&page_size=100&cursor=${start.body.next_cursor}`);
    expect(idsOf(next.body.results)).toEqual(newest.slice(100, 200));
  });

  it('counts exactly at the limit and below it, with or without other filters', async () => {
    const exact = await page(`search=${first}&page_size=100`);
    expect(exact.body.count).toBe(SEARCH_COUNT_LIMIT);
    expect(idsOf(exact.body.results)).toEqual((await scan(first, 'created_at DESC, id DESC')).slice(0, 100));
    expect((await page(`search=${rest}`)).body.count).toBe(MORE);

    const active = await page(`search=${all}&is_active=true&page_size=100`);
    const scanned = await scan(all, 'created_at DESC, id DESC', ' AND is_active = TRUE');
    expect(active.body.count).toBe(scanned.length);
    expect(idsOf(active.body.results)).toEqual(scanned.slice(0, 100));
  });

  // A dense page is read in the order's index within a window of the rows an even spread needs; these
  // matches are all behind newer contacts that do not match, so no window holds them and the page is read sorted.
  it('pages as a scan would when every match is older than the window the page reads', async () => {
    const customer = await createCustomer(t.staff);
    const start = Date.UTC(2026, 5, 1);
    await insert(
      customer.id,
      4 * SEARCH_COUNT_LIMIT,
      (i) => `newer.${i}@example.com`,
      (i) => new Date(start + i * 1000),
    );

    for (const [ordering, order] of [
      ['-created_at', 'created_at DESC, id DESC'],
      ['-id', 'id DESC'],
    ] as const) {
      const scanned = await scan(all, order);
      const one = await page(`search=${all}&ordering=${ordering}`);
      expect(one.body.count).toBe(SEARCH_COUNT_LIMIT);
      expect(idsOf(one.body.results)).toEqual(scanned.slice(0, 20));
      const third = await page(`search=${all}&ordering=${ordering}&page_size=100&page=3`);
      expect(idsOf(third.body.results)).toEqual(scanned.slice(200, 300));
      const keyset = await page(`search=${all}&ordering=${ordering}&page_size=50&cursor=`);
      const next = await page(`search=${all}&ordering=${ordering}&page_size=50&cursor=${keyset.body.next_cursor}`);
      expect(idsOf(next.body.results)).toEqual(scanned.slice(50, 100));
      const viaTrpc = await operations(t.url, t.viewer.token).trpc('contacts.list', { search: all, ordering });
      expect(idsOf(viaTrpc.data.results)).toEqual(scanned.slice(0, 20));
    }
  });
});
