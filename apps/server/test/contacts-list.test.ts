import type { Contact } from '@ccm/contract';
import { describe, expect, it } from 'vitest';
import { contactBody, createContact, createCustomer } from './support/factories.js';
import { test } from './support/fixture.js';
import type { TestServer } from './support/server.js';

let t: TestServer;
// The file's server comes from the fixture (support/fixture.ts): started once, closed after the last test.
test.beforeAll(({ server }) => {
  t = server;
});

type Row = Contact;

/** GET /api/contacts/ with these query parameters; asserts 200 and returns the page. */
async function list(params: Record<string, string | number> = {}) {
  const qs = new URLSearchParams(Object.entries(params).map(([k, v]): [string, string] => [k, String(v)])).toString();
  const res = await t.staff.get(`/api/contacts/${qs ? `?${qs}` : ''}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.data as { count: number; next: string | null; previous: string | null; results: Row[] };
}

/** Every contact matching these parameters, across pages. */
async function listAll(params: Record<string, string | number> = {}) {
  const rows: Row[] = [];
  for (let page = 1; ; page++) {
    const data = await list({ ...params, page, page_size: 100 });
    rows.push(...data.results);
    if (!data.next) return rows;
  }
}

async function status(query: string) {
  const res = await t.staff.get(`/api/contacts/?${query}`);
  return res;
}

/** Fetches an absolute URL the API handed out, with the staff token. */
async function follow(url: string) {
  const res = await fetch(url, { headers: { authorization: `Bearer ${t.staff.token}` } });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { data: unknown };
  return body.data as { count: number; next: string | null; previous: string | null; results: Row[] };
}

/** Creates `n` contacts for the customer, one request at a time (so created_at and id grow together). */
async function makeContacts(
  customerId: number,
  n: number,
  overrides: (i: number) => Record<string, unknown> = () => ({}),
) {
  const out = [];
  for (let i = 0; i < n; i++) out.push(await createContact(t.staff, customerId, overrides(i)));
  return out;
}

async function bulk(items: Record<string, unknown>[]) {
  const res = await t.staff.post('/api/contacts/bulk-create/', { contacts: items });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.data.created_contacts as Row[];
}

const ids = (rows: { id: number }[]) => rows.map((r) => r.id);

describe('envelope and pagination', () => {
  it('answers the seed envelope with count, next, previous and results', async () => {
    const customer = await createCustomer(t.staff, { first_name: 'Envelope', last_name: 'Owner' });
    const made = await makeContacts(customer.id, 3);
    const res = await t.staff.get(`/api/contacts/?customer_id=${customer.id}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      success: true,
      message: 'Contacts retrieved successfully',
      data: { count: 3, next: null, previous: null, results: expect.any(Array) },
    });
    // Each item is the same contact the detail route answers.
    const byId = new Map(made.map((c) => [c.id, c]));
    for (const row of res.body.data.results) expect(row).toEqual(byId.get(row.id));
    expect(ids(res.body.data.results).sort()).toEqual(ids(made).sort());
  });

  it('also answers without the trailing slash, and a viewer may list', async () => {
    expect((await t.staff.get('/api/contacts')).status).toBe(200);
    expect((await t.viewer.get('/api/contacts/')).status).toBe(200);
    expect((await t.anon.get('/api/contacts/')).status).toBe(401);
  });

  it('counts every contact when unfiltered', async () => {
    const customer = await createCustomer(t.staff);
    await makeContacts(customer.id, 2);
    const stats = await t.staff.get('/api/contacts/stats/');
    const data = await list();
    expect(data.count).toBe(stats.body.data.total_contacts);
    expect(data.count).toBeGreaterThanOrEqual(2);
  });

  it('page_size defaults to 20 and can be 1 to 100', async () => {
    const customer = await createCustomer(t.staff);
    await bulk(Array.from({ length: 25 }, () => contactBody(customer.id)));

    const first = await list({ customer_id: customer.id });
    expect(first.count).toBe(25);
    expect(first.results).toHaveLength(20);
    expect(first.next).not.toBeNull();
    expect(first.previous).toBeNull();
    const second = await list({ customer_id: customer.id, page: 2 });
    expect(second.results).toHaveLength(5);
    expect(second.next).toBeNull();
    expect(second.previous).not.toBeNull();
    expect(new Set([...ids(first.results), ...ids(second.results)]).size).toBe(25);

    const one = await list({ customer_id: customer.id, page_size: 1 });
    expect(one.results).toHaveLength(1);
    expect(one.count).toBe(25);
    const hundred = await list({ customer_id: customer.id, page_size: 100 });
    expect(hundred.results).toHaveLength(25);
    expect(hundred.next).toBeNull();
    const page25 = await list({ customer_id: customer.id, page_size: 1, page: 25 });
    expect(page25.results).toHaveLength(1);
    expect(page25.next).toBeNull();
  });

  it.each(['0', '101', '-1', 'abc', '1.5', '1000'])('page_size=%s is a 400 on page_size', async (size) => {
    const res = await status(`page_size=${size}`);
    expect(res.status).toBe(400);
    expect(res.body.success).toBe(false);
    expect(Object.keys(res.body.errors)).toEqual(['page_size']);
  });

  it.each(['abc', '0', '-1', '1.5'])('page=%s is a 400 on page', async (page) => {
    const res = await status(`page=${page}`);
    expect(res.status).toBe(400);
    expect(res.body.success).toBe(false);
    expect(Object.keys(res.body.errors)).toEqual(['page']);
  });

  it('a page past the end is a 404 "Invalid page."; page 1 of nothing is an empty page', async () => {
    const customer = await createCustomer(t.staff);
    const empty = await list({ customer_id: customer.id });
    expect(empty).toEqual({ count: 0, next: null, previous: null, results: [] });
    const past = await status(`customer_id=${customer.id}&page=2`);
    expect(past.status).toBe(404);
    expect(past.body).toMatchObject({ success: false, message: 'Invalid page.' });

    await makeContacts(customer.id, 3);
    expect((await list({ customer_id: customer.id, page_size: 2, page: 2 })).results).toHaveLength(1);
    const beyond = await status(`customer_id=${customer.id}&page_size=2&page=3`);
    expect(beyond.status).toBe(404);
    expect(beyond.body.message).toBe('Invalid page.');
    expect((await status(`customer_id=${customer.id}&page=999999`)).status).toBe(404);
    // A page whose offset no database could reach is past the end too, never a 500.
    for (const page of ['9007199254740991', '99999999999999999999']) {
      const huge = await status(`customer_id=${customer.id}&page=${page}`);
      expect(huge.status, page).toBe(404);
      expect(huge.body.message).toBe('Invalid page.');
    }
  });

  it('next and previous are absolute URLs that work and keep the other parameters', async () => {
    const customer = await createCustomer(t.staff, { last_name: 'Linkwalker' });
    await makeContacts(customer.id, 6, (i) => ({ email: `walk${i}@links.example.com`, is_active: i !== 5 }));
    const params = {
      customer_id: String(customer.id),
      is_active: 'true',
      search: 'links.example',
      ordering: 'email',
      page_size: '2',
    };
    const first = await list(params);
    expect(first.count).toBe(5);
    expect(first.previous).toBeNull();
    expect(first.next).not.toBeNull();

    const seen: Row[] = [...first.results];
    let data = first;
    const pages = [first];
    while (data.next) {
      const url = new URL(data.next);
      expect(url.origin).toBe(new URL(t.url).origin);
      expect(url.pathname).toBe('/api/contacts/');
      for (const [k, v] of Object.entries(params)) expect(url.searchParams.get(k), k).toBe(v);
      expect(url.searchParams.get('page')).toBe(String(pages.length + 1));
      data = await follow(data.next);
      expect(data.count).toBe(5);
      pages.push(data);
      seen.push(...data.results);
    }
    expect(pages).toHaveLength(3);
    expect(seen.map((r) => r.email)).toEqual([0, 1, 2, 3, 4].map((i) => `walk${i}@links.example.com`));

    // Walking back with `previous` gives the same pages.
    const last = pages[2]!;
    expect(last.previous).not.toBeNull();
    const prevUrl = new URL(last.previous!);
    expect(prevUrl.origin).toBe(new URL(t.url).origin);
    for (const [k, v] of Object.entries(params)) expect(prevUrl.searchParams.get(k), k).toBe(v);
    const middle = await follow(last.previous!);
    expect(ids(middle.results)).toEqual(ids(pages[1]!.results));
    const back = await follow(middle.previous!);
    expect(ids(back.results)).toEqual(ids(pages[0]!.results));
    expect(back.previous).toBeNull();
  });
});

describe('filters', () => {
  it('customer_id, is_active and is_primary filter, alone and together', async () => {
    const customer = await createCustomer(t.staff);
    const other = await createCustomer(t.staff);
    const primary = await createContact(t.staff, customer.id, { is_primary: true });
    const inactive = await createContact(t.staff, customer.id, { is_active: false });
    const plain = await createContact(t.staff, customer.id);
    const foreign = await createContact(t.staff, other.id, { is_primary: true });

    const all = await list({ customer_id: customer.id });
    expect(ids(all.results).sort()).toEqual(ids([primary, inactive, plain]).sort());
    expect(all.results.every((r) => r.customer === customer.id)).toBe(true);
    expect(ids((await list({ customer_id: other.id })).results)).toEqual([foreign.id]);

    expect(ids((await list({ customer_id: customer.id, is_active: 'false' })).results)).toEqual([inactive.id]);
    expect(ids((await list({ customer_id: customer.id, is_active: 'true' })).results).sort()).toEqual(
      ids([primary, plain]).sort(),
    );
    expect(ids((await list({ customer_id: customer.id, is_primary: 'true' })).results)).toEqual([primary.id]);
    expect(ids((await list({ customer_id: customer.id, is_primary: 'false' })).results).sort()).toEqual(
      ids([inactive, plain]).sort(),
    );
    expect((await list({ customer_id: customer.id, is_primary: 'true', is_active: 'false' })).count).toBe(0);
  });

  it('is_active / is_primary without customer_id return only matching rows', async () => {
    const customer = await createCustomer(t.staff);
    await createContact(t.staff, customer.id, { is_active: false, is_primary: true });
    const inactive = await listAll({ is_active: 'false' });
    expect(inactive.length).toBeGreaterThan(0);
    expect(inactive.every((r) => r.is_active === false)).toBe(true);
    const primaries = await listAll({ is_primary: 'true' });
    expect(primaries.length).toBeGreaterThan(0);
    expect(primaries.every((r) => r.is_primary === true)).toBe(true);
    const everything = await list();
    expect((await list({ is_active: 'true' })).count + inactive.length).toBe(everything.count);
  });

  it('a customer_id with no contacts, or of no customer, gives an empty page', async () => {
    expect((await list({ customer_id: 987654 })).count).toBe(0);
  });

  it.each([
    ['is_active', 'yes'],
    ['is_active', '1'],
    ['is_active', 'TRUE'],
    ['is_active', ''],
    ['is_primary', 'no'],
    ['is_primary', '0'],
    ['is_primary', 'False'],
    ['customer_id', 'abc'],
    ['customer_id', '0'],
    ['customer_id', '-1'],
    ['customer_id', '1.5'],
  ])('%s=%j is a 400 on that parameter', async (param, value) => {
    const res = await status(`${param}=${encodeURIComponent(value)}`);
    expect(res.status).toBe(400);
    expect(res.body.success).toBe(false);
    expect(Object.keys(res.body.errors)).toEqual([param]);
  });
});

describe('search', () => {
  const search = async (term: string, extra: Record<string, string | number> = {}) =>
    listAll({ search: term, ...extra });

  it('finds a substring of the e-mail, case-insensitively', async () => {
    const customer = await createCustomer(t.staff);
    const c = await createContact(t.staff, customer.id, { email: 'Findme.Alpha@Example.com' });
    expect(ids(await search('findme.alpha'))).toEqual([c.id]);
    expect(ids(await search('FINDME.ALP'))).toEqual([c.id]);
    expect(ids(await search('  me.alph  '))).toEqual([c.id]);
  });

  it('finds a substring of either phone number', async () => {
    const customer = await createCustomer(t.staff);
    const c = await createContact(t.staff, customer.id, { wa_number: '0775550101', tp_number: '0115550202' });
    expect(ids(await search('775550101'))).toEqual([c.id]);
    expect(ids(await search('+94775550101'))).toEqual([c.id]);
    expect(ids(await search('115550202'))).toEqual([c.id]);
  });

  it('a national-format number finds the contact stored in E.164', async () => {
    const customer = await createCustomer(t.staff);
    const c = await createContact(t.staff, customer.id, { wa_number: '+94775553131', tp_number: '+94115553232' });
    expect(ids(await search('0775553131'))).toEqual([c.id]);
    expect(ids(await search('077 555 3131'))).toEqual([c.id]);
    expect(ids(await search('0115553232'))).toEqual([c.id]);
  });

  it("finds by the customer's first name, last name, username and customer_id", async () => {
    const customer = await createCustomer(t.staff, {
      first_name: 'Quintessa',
      last_name: 'Vandermolen',
      username: 'qvmolen77',
    });
    const other = await createCustomer(t.staff);
    const made = await makeContacts(customer.id, 2);
    await createContact(t.staff, other.id);
    const expected = ids(made).sort();

    expect(ids(await search('quintess')).sort()).toEqual(expected);
    expect(ids(await search('VANDERMOLEN')).sort()).toEqual(expected);
    expect(ids(await search('QVMolen77')).sort()).toEqual(expected);
    expect(customer.customer_id).toMatch(/^CUST\d{6}$/);
    expect(ids(await search(customer.customer_id)).sort()).toEqual(expected);
    expect(ids(await search(customer.customer_id.toLowerCase())).sort()).toEqual(expected);
  });

  it('combines with the filters', async () => {
    const customer = await createCustomer(t.staff, { last_name: 'Combinatrix' });
    const active = await createContact(t.staff, customer.id);
    await createContact(t.staff, customer.id, { is_active: false });
    expect(ids(await search('combinatrix', { is_active: 'true' }))).toEqual([active.id]);
    expect(await search('combinatrix', { customer_id: 987654 })).toEqual([]);
  });

  it('finds nothing for a term nothing contains', async () => {
    const data = await list({ search: 'no-such-thing-anywhere-xyz' });
    expect(data).toEqual({ count: 0, next: null, previous: null, results: [] });
  });

  it('an empty search is no filter', async () => {
    expect((await list({ search: '' })).count).toBe((await list()).count);
  });

  it('`%` is literal: it only finds values that contain it', async () => {
    const customer = await createCustomer(t.staff, { last_name: 'Fifty%Off' });
    const made = await makeContacts(customer.id, 2);
    const total = (await list()).count;
    const found = await search('%');
    expect(total).toBeGreaterThan(made.length);
    expect(ids(found).sort()).toEqual(ids(made).sort());
    expect(ids(await search('y%o')).sort()).toEqual(ids(made).sort());
    expect(await search('%%')).toEqual([]);
    expect(await search('y%z')).toEqual([]);
  });

  it('`_` is literal: it only finds values that contain an underscore', async () => {
    const customer = await createCustomer(t.staff);
    const underscored = await createContact(t.staff, customer.id, { email: 'under_score.x@example.com' });
    const plain = await createContact(t.staff, customer.id, { email: 'underxscore.x@example.com' });
    const snakeCustomer = await createCustomer(t.staff, { username: 'snake_user_1' });
    const snake = await createContact(t.staff, snakeCustomer.id);

    const total = (await list()).count;
    const found = await search('_');
    expect(found.length).toBeLessThan(total);
    const hasUnderscore = (r: Row) =>
      [r.email, r.wa_number, r.tp_number, r.customer_name, r.customer_username].some((v) => v.includes('_'));
    expect(found.every(hasUnderscore)).toBe(true);
    expect(ids(found)).toEqual(expect.arrayContaining([underscored.id, snake.id]));
    expect(ids(found)).not.toContain(plain.id);

    expect(ids(await search('under_score'))).toEqual([underscored.id]);
    expect(ids(await search('r_s'))).toEqual([underscored.id]);
  });

  it('the escape character and quotes are literal too', async () => {
    const bang = await createCustomer(t.staff, { last_name: 'Bang!Bang' });
    const b = await createContact(t.staff, bang.id);
    const quote = await createCustomer(t.staff, { last_name: "O'Brien-Searchy" });
    const q = await createContact(t.staff, quote.id);
    const backslash = await createCustomer(t.staff, { last_name: 'Back\\Slash' });
    const s = await createContact(t.staff, backslash.id);

    expect(ids(await search('!'))).toEqual([b.id]);
    expect(ids(await search('g!b'))).toEqual([b.id]);
    expect(await search('!!')).toEqual([]);
    expect(ids(await search("o'brien"))).toEqual([q.id]);
    expect(ids(await search('\\'))).toEqual([s.id]);
  });

  it('a search over 200 characters is a 400', async () => {
    const res = await status(`search=${'a'.repeat(201)}`);
    expect(res.status).toBe(400);
    expect(Object.keys(res.body.errors)).toEqual(['search']);
  });
});

describe('ordering', () => {
  const isSortedBy = (rows: Row[], key: (r: Row) => string | number, desc: boolean) =>
    rows.every((r, i) => {
      if (i === 0) return true;
      const a = key(rows[i - 1]!);
      const b = key(r);
      return desc ? a >= b : a <= b;
    });

  it('orders by email, id and created_at, ascending or descending; default -created_at', async () => {
    const customer = await createCustomer(t.staff);
    const made = await makeContacts(customer.id, 4, (i) => ({
      email: `${['delta', 'alpha', 'charlie', 'bravo'][i]}@order.example.com`,
    }));
    const q = (ordering?: string) => list({ customer_id: customer.id, ...(ordering ? { ordering } : {}) });
    const madeIds = ids(made);
    const asc = [...madeIds].sort((a, b) => a - b);
    const desc = [...asc].reverse();

    expect((await q('email')).results.map((r) => r.email.split('@')[0])).toEqual([
      'alpha',
      'bravo',
      'charlie',
      'delta',
    ]);
    expect((await q('-email')).results.map((r) => r.email.split('@')[0])).toEqual([
      'delta',
      'charlie',
      'bravo',
      'alpha',
    ]);
    expect(ids((await q('id')).results)).toEqual(asc);
    expect(ids((await q('-id')).results)).toEqual(desc);
    // Created one after another: created_at grows with id (ties broken by id).
    expect(ids((await q('created_at')).results)).toEqual(asc);
    expect(ids((await q('-created_at')).results)).toEqual(desc);
    expect(ids((await q()).results)).toEqual(desc);
  });

  it('ties on created_at are broken by id, so pages never repeat or skip a row', async () => {
    const customer = await createCustomer(t.staff);
    // One bulk insert: the rows share (or nearly share) one created_at.
    const made = await bulk(Array.from({ length: 30 }, () => contactBody(customer.id)));
    const asc = ids(made).sort((a, b) => a - b);

    for (const [ordering, expected] of [
      ['created_at', asc],
      ['-created_at', [...asc].reverse()],
      [undefined, [...asc].reverse()],
    ] as const) {
      const seen: number[] = [];
      for (let page = 1; page <= 5; page++) {
        const data = await list({
          customer_id: customer.id,
          page_size: 7,
          page,
          ...(ordering ? { ordering } : {}),
        });
        seen.push(...ids(data.results));
        const rows = data.results;
        expect(isSortedBy(rows, (r) => Date.parse(r.created_at), ordering !== 'created_at')).toBe(true);
      }
      expect(seen, String(ordering)).toEqual(expected);
    }
  });

  it('ties on email (same e-mail, different customers) are broken by id', async () => {
    const a = await createCustomer(t.staff);
    const b = await createCustomer(t.staff);
    const c = await createCustomer(t.staff);
    const email = 'tied.order@example.com';
    const made = [
      await createContact(t.staff, a.id, { email }),
      await createContact(t.staff, b.id, { email }),
      await createContact(t.staff, c.id, { email }),
    ];
    const asc = ids(made).sort((x, y) => x - y);
    expect(ids((await list({ search: email, ordering: 'email' })).results)).toEqual(asc);
    const descending = ids((await list({ search: email, ordering: '-email' })).results);
    expect([asc, [...asc].reverse()]).toContainEqual(descending);
    // The same answer twice: the order is total.
    expect(ids((await list({ search: email, ordering: '-email' })).results)).toEqual(descending);
  });

  it('orders the whole unfiltered list by -created_at by default', async () => {
    const rows = await listAll();
    expect(rows.length).toBeGreaterThan(1);
    const key = (r: Row) => Date.parse(r.created_at);
    expect(isSortedBy(rows, key, true)).toBe(true);
    for (let i = 1; i < rows.length; i++) {
      if (key(rows[i]!) === key(rows[i - 1]!)) expect(rows[i]!.id).toBeLessThan(rows[i - 1]!.id);
    }
    // Another ordering returns the same set of rows (the order of e-mails follows the database's collation).
    const byEmail = await listAll({ ordering: 'email' });
    expect(ids(byEmail).sort((a, b) => a - b)).toEqual(ids(rows).sort((a, b) => a - b));
  });

  it.each(['name', 'customer', '--id', 'email,id', '+id', 'EMAIL', 'updated_at', ''])(
    'ordering=%j is a 400 on ordering',
    async (ordering) => {
      const res = await status(`ordering=${encodeURIComponent(ordering)}`);
      expect(res.status).toBe(400);
      expect(res.body.success).toBe(false);
      expect(Object.keys(res.body.errors)).toEqual(['ordering']);
    },
  );
});
