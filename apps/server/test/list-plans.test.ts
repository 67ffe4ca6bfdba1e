import { SEARCH_COUNT_LIMIT } from '@ccm/contract';
import { Sequelize } from 'sequelize';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Dialect } from '../src/db/connection.js';
import { list } from '../src/db/contacts/list.js';
import type { ContactFilter, ContactOrder } from '../src/db/contacts/records.js';
import { countersRepo } from '../src/db/counters.js';
import { type Reader, reader } from '../src/db/reads.js';
import { seed } from '../src/seed.js';
import { rawConnection } from './support/database.js';
import { startTestServer, type TestServer } from './support/server.js';

// The query plans of the contact list's statements (issue 17), on every database: each filter combination and
// ordering, and a search by a number's start, is planned on 20,000 contacts, through the list's own SQL (db/contacts/list.ts) explained by the
// database instead of run. A customer's page must be found from that customer's index entries (a customer has a
// few contacts), never by walking an index of the whole table (`is_active`, `created_at`) or the table itself.

let t: TestServer;
let raw: Sequelize;
/** Reads on `raw`, straight to the driver as the server's reads go. */
let real: Reader;
let dialect: Dialect;
const CUSTOMER = 17;

beforeAll(async () => {
  t = await startTestServer({ WEBHOOK_DELIVERY: 'false' });
  dialect = t.server.store.dialect;
  // The statistics are those of the empty tables the server analyzed after its migrations.
  await seed(t.server.store, { contacts: 20_000, customers: 4_000 });
  connect();
}, 120_000);
afterAll(async () => {
  await disconnect();
  await t?.close();
});

function connect() {
  raw = rawConnection(t.databaseUrl);
  real = reader(raw, dialect);
}
async function disconnect() {
  await raw?.close();
}

/** One line per step of the plan, as the database describes it. */
async function explain(sql: string, params: readonly unknown[]): Promise<string[]> {
  if (dialect === 'sqlite') {
    const rows = await real.select<{ detail: string }>(`EXPLAIN QUERY PLAN ${sql}`, params);
    return rows.map((r) => r.detail);
  }
  if (dialect === 'postgres') {
    const rows = await real.select<{ 'QUERY PLAN': string }>(`EXPLAIN ${sql}`, params);
    return rows.map((r) => r['QUERY PLAN']);
  }
  const rows = await real.select<{ table: string; type: string; key: string | null }>(`EXPLAIN ${sql}`, params);
  return rows.map((r) => `${r.table} ${r.type} ${r.key ?? '-'}`);
}

/** What the fake reader answers a search's count: its matches, the contacts among, and (SQLite) the page's reach. */
interface CountAnswer {
  n: number;
  contacts: number;
  reach?: number;
}

/**
 * One list call on a reader that hands each statement to `seen` and answers no rows, or `count` to a search's count
 * (which chooses how its page is read). The counters answer `count.contacts` (20,000 without one), unseen.
 */
async function listSeeing(
  seen: (sql: string, params: readonly unknown[]) => Promise<void>,
  filter: ContactFilter,
  order: { by: ContactOrder; desc: boolean },
  offset: number,
  count?: CountAnswer,
): Promise<void> {
  const fake: Reader = {
    async select<T>(sql: string, params: readonly unknown[]) {
      await seen(sql, params);
      return (count && sql.startsWith('SELECT (SELECT COUNT(*)') ? [count] : []) as T[];
    },
    selectIn: () => Promise.reject(new Error('no transaction here')),
  };
  const counters = countersRepo({ ...fake, select: async <T>() => [{ n: count?.contacts ?? 20_000 }] as T[] });
  const db = { sequelize: raw, read: fake, dialect, rowLocks: dialect !== 'sqlite' };
  await list(db, counters, filter, order, 20, offset);
}

/**
 * The plans of every statement one list call sends, explained instead of run, with `counted` as a search's count
 * and `reach` (SQLite: how far down the order the page's last match lies).
 */
async function plansOf(
  filter: ContactFilter,
  by: ContactOrder,
  desc: boolean,
  counted?: number,
  reach?: number,
): Promise<string[][]> {
  const plans: string[][] = [];
  const count = counted === undefined ? undefined : { n: counted, contacts: 20_000, reach };
  await listSeeing(async (sql, params) => void plans.push(await explain(sql, params)), filter, { by, desc }, 0, count);
  return plans;
}

/** Whether a plan reads contacts from the customer's index entries only. */
function findsByCustomer(plan: string[]): boolean {
  const text = plan.join('\n');
  if (dialect === 'sqlite') {
    const contacts = plan.filter((line) => /\bcontacts\b/.test(line) && !/\bc\b USING INTEGER PRIMARY KEY/.test(line));
    return (
      contacts.length > 0 && contacts.every((l) => /SEARCH contacts USING (COVERING )?INDEX \w+ \(customer_id=/.test(l))
    );
  }
  if (dialect === 'postgres') return !/Seq Scan on contacts/.test(text) && /Index Cond: .*customer_id =/.test(text);
  return plan
    .filter((l) => l.startsWith('contacts '))
    .every((l) => /^contacts (ref|range|eq_ref) contacts_(customer|one)/.test(l));
}

const FLAGS: { isActive?: boolean; isPrimary?: boolean }[] = [
  {},
  { isActive: true },
  { isActive: false },
  { isPrimary: true },
  { isActive: true, isPrimary: false },
];
const ORDERS: [ContactOrder, boolean][] = [
  ['created_at', true],
  ['created_at', false],
  ['email', false],
  ['id', true],
];

/** Every filter and ordering of a customer's page: each statement finds its rows from the customer's entries. */
function customerPages() {
  for (const flags of FLAGS) {
    for (const [by, desc] of ORDERS) {
      it(`${JSON.stringify(flags)} by ${desc ? '-' : ''}${by}: found from the customer's index entries`, async () => {
        const plans = await plansOf({ customerId: CUSTOMER, ...flags }, by, desc);
        expect(plans.length).toBeGreaterThan(0);
        for (const plan of plans) expect(findsByCustomer(plan), plan.join('\n')).toBe(true);
      });
    }
  }
}

describe("a customer's page of contacts, on statistics older than the rows", customerPages);

describe("a customer's page of contacts, on current statistics (the server's hourly ANALYZE)", () => {
  beforeAll(async () => {
    await t.server.store.analyze();
    // An SQLite connection reads the statistics when it opens.
    await disconnect();
    connect();
  });
  customerPages();
});

/** Whether a plan reads contacts from ranges of the number indexes (migration 0010) only. */
function findsByNumber(plan: string[]): boolean {
  if (dialect === 'sqlite') {
    const contacts = plan.filter((line) => /\bcontacts\b/.test(line) && !/\bc\b USING INTEGER PRIMARY KEY/.test(line));
    return (
      contacts.length > 0 &&
      contacts.every((l) =>
        /SEARCH contacts USING (COVERING )?INDEX \w+ \((customer_id=\? AND )?(wa|tp)_number>\?/.test(l),
      )
    );
  }
  const text = plan.join('\n');
  if (dialect === 'postgres') return !/Seq Scan on contacts/.test(text) && /Index Cond: .*wa_number.* >= /.test(text);
  return plan
    .filter((l) => l.startsWith('contacts '))
    .every((l) => /^contacts (index_merge|range) .*_(wa|tp)_number_/.test(l));
}

// With a customer named, its own index entries are as good a start.
describe('a search by the start of a phone number', () => {
  for (const flags of [...FLAGS, { customerId: CUSTOMER }]) {
    it(`${JSON.stringify(flags)}: found from the number indexes' ranges`, async () => {
      const plans = await plansOf({ numberPrefix: '+9477123', ...flags }, 'created_at', true);
      const narrow = (plan: string[]) => findsByNumber(plan) || ('customerId' in flags && findsByCustomer(plan));
      expect(plans.length).toBeGreaterThan(0);
      for (const plan of plans) expect(narrow(plan), plan.join('\n')).toBe(true);
    });
  }
});

// A word is found from the search index alone (migration 0011), not from the customers; past the count limit the page
// is read in the order's index with each row tested, within a window of it (db/contacts/list.ts), so that matches
// all far down the order cost that window and a sort of the matches, not a walk of the whole index. MariaDB has no
// trigram index: it scans.
describe('a search by a word', () => {
  it('finds the matches in the search index, and reads a dense page in a window of the order index', async () => {
    if (dialect === 'mariadb') return;
    const [found, sorted] = (await plansOf({ searchTerms: ['perera'] }, 'created_at', true, 100)).map((p) =>
      p.join('\n'),
    );
    const dense = (await plansOf({ searchTerms: ['perera'] }, 'created_at', true, SEARCH_COUNT_LIMIT + 1))[1]!.join(
      '\n',
    );
    if (dialect === 'sqlite') {
      for (const plan of [found, sorted]) expect(plan).toMatch(/SCAN contacts_search VIRTUAL TABLE/);
      expect(sorted).not.toMatch(/SCAN (u|customers)\b/);
      // The window's rows are tested as they come (a co-routine), not sorted first: one sort, of the page's 20.
      expect(dense).toMatch(/CO-ROUTINE contacts\nSCAN contacts USING INDEX contacts_created_at_id\n/);
      expect(dense.match(/USE TEMP B-TREE/g)).toHaveLength(1);
    } else {
      // With the empty tables' statistics a scan of contacts costs as little as the index (search.test.ts shows the
      // index's use): the point here is that the customers are not read to find the matches.
      for (const plan of [found, sorted]) expect(plan).toMatch(/search_text ~~/);
      expect(found).not.toMatch(/customers/);
      expect(sorted).not.toMatch(/Seq Scan on customers/);
      // The walk stops at its window (the Limit under the test) whether or not the page is full.
      expect(dense).toMatch(
        /Subquery Scan on contacts .*\n\s+Filter: .*search_text.*\n\s+-> {2}Limit .*\n\s+-> {2}Index Scan Backward using contacts_created_at_id/,
      );
    }
  });
});

// PostgreSQL names and keeps each statement text a connection runs (db/reads.ts), so the texts must be a bounded set:
// the walk's window and the page's end, which follow the data and the page asked for, are bound, not written in.
describe("a search page's statement texts", () => {
  it('are the same whatever the counts and the page', async () => {
    const textsFor = async (contacts: number, reach: number, offset: number) => {
      const texts: string[] = [];
      const search = { searchTerms: ['perera'] };
      const count = { n: SEARCH_COUNT_LIMIT + 1, contacts, reach };
      await listSeeing(async (sql) => void texts.push(sql), search, { by: 'created_at', desc: true }, offset, count);
      return texts;
    };
    const first = await textsFor(20_000, 100, 20);
    expect(first.length).toBeGreaterThan(1);
    expect(await textsFor(20_013, 117, 40)).toEqual(first);
  });
});

// SQLite's search index also finds the page's last match in id order (db/contacts/list.ts#pageReach): a page that
// lies far down the order (a word only old contacts hold) is read sorted at once, without a walk that would not
// reach it; a page near the top is walked.
describe.runIf(!process.env.TEST_DATABASE_URL)('how far down the order a page of matches lies, on SQLite', () => {
  it('is asked of the search index in the count, and chooses between the walk and the sort', async () => {
    const far = await plansOf({ searchTerms: ['perera'] }, 'created_at', true, SEARCH_COUNT_LIMIT + 1, 1_000_000);
    expect(far).toHaveLength(2);
    expect(far[0]!.join('\n')).toMatch(/SCAN contacts_search VIRTUAL TABLE/);
    expect(far[1]!.join('\n')).not.toMatch(/contacts_created_at_id/);
    const near = await plansOf({ searchTerms: ['perera'] }, 'created_at', true, SEARCH_COUNT_LIMIT + 1, 100);
    expect(near[1]!.join('\n')).toMatch(/CO-ROUTINE contacts\nSCAN contacts USING INDEX contacts_created_at_id\n/);
    // Matches packed less densely than an even spread of 1,001 among 20,000 (a page every 400 rows), whose page ends
    // 400 rows down: its walk of at most 822 rows costs less than sorting the 1,001 or more.
    const middle = await plansOf({ searchTerms: ['perera'] }, 'created_at', true, SEARCH_COUNT_LIMIT + 1, 400);
    expect(middle[1]!.join('\n')).toMatch(/CO-ROUTINE contacts\nSCAN contacts USING INDEX contacts_created_at_id\n/);
  });
});

// PostgreSQL keeps a prepared statement's plan once a generic one costs no more than planning it anew for each run's
// values; with `OFFSET $n` the generic plan (offset unknown) always looked dearer, so every first page was planned
// again (0.6–0.8 ms). A first page has no OFFSET (db/reads.ts#offsetSql): after a few runs it runs on its kept plan.
describe.runIf(process.env.TEST_DATABASE_URL?.startsWith('postgres'))('first pages on PostgreSQL', () => {
  it('run on their kept (generic) plan after a few runs, not planned again each time', async () => {
    // One connection, so that its prepared statements are the ones the pages ran on.
    const one = new Sequelize(t.databaseUrl, { logging: false, pool: { max: 1 } });
    try {
      const read = reader(one, 'postgres');
      const db = { sequelize: one, read, dialect, rowLocks: true };
      const filters: ContactFilter[] = [{}, { isActive: true }, { customerId: CUSTOMER }];
      for (const filter of filters) {
        for (let i = 0; i < 8; i++) await list(db, countersRepo(read), filter, { by: 'created_at', desc: true }, 20, 0);
      }
      const pages = await read.select<{ statement: string; generic_plans: string; custom_plans: string }>(
        `SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements WHERE statement LIKE ?`,
        ['%JOIN (SELECT id FROM contacts%'],
      );
      expect(pages).toHaveLength(filters.length);
      for (const p of pages) expect(Number(p.generic_plans), JSON.stringify(p)).toBeGreaterThan(0);
    } finally {
      await one.close();
    }
  });
});
