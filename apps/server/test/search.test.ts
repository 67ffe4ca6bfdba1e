import { randomBytes } from 'node:crypto';
import type { Contact, Customer } from '@ccm/contract';
import { QueryTypes, type Sequelize } from 'sequelize';
import { describe, expect, it } from 'vitest';
import { contactSearch } from '../src/db/search.js';
import { ADAPTERS, operations } from './support/adapters.js';
import { createContact, createCustomer, customerBody } from './support/factories.js';
import { test } from './support/fixture.js';
import type { TestServer } from './support/server.js';

// The list searches as the indexes of migrations 0003 and 0011 answer them (FTS5 trigram tables on SQLite, pg_trgm
// on PostgreSQL, a scan on MariaDB): the same answers as a LIKE scan, whatever the path, and an index kept in
// step with every write (a customer's included, for its contacts).

let t: TestServer;
let raw: Sequelize;
test.beforeAll(({ server, raw: connection }) => {
  t = server;
  raw = connection;
});

/** A lower-case string no other row holds (letters only, so that it survives every field's rules). */
const marker = () =>
  Array.from(randomBytes(8), (b) => String.fromCharCode(97 + (b % 26)))
    .join('')
    .slice(0, 8);

const ids = (rows: { id: number }[]) => rows.map((r) => r.id).sort((a, b) => a - b);

/** Every contact the search finds, across pages; checks that the total matches the rows. */
async function contacts(search: string, extra = ''): Promise<Contact[]> {
  const rows: Contact[] = [];
  for (let page = 1; ; page++) {
    const res = await t.viewer.get(
      `/api/contacts/?search=${encodeURIComponent(search)}&page=${page}&page_size=100${extra}`,
    );
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    rows.push(...res.body.data.results);
    if (!res.body.data.next) {
      expect(res.body.data.count, search).toBe(rows.length);
      return rows;
    }
  }
}

async function customers(search: string): Promise<Customer[]> {
  const res = await t.viewer.get(`/api/customers/?search=${encodeURIComponent(search)}&page_size=100`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  expect(res.body.data.count).toBe(res.body.data.results.length);
  return res.body.data.results;
}

const found = async (search: string) => ids(await contacts(search));

describe('contact search: a substring of any searched column', () => {
  it("finds a term at the start, in the middle and at the end of the contact's e-mail", async () => {
    const m = marker();
    const customer = await createCustomer(t.staff);
    const c = await createContact(t.staff, customer.id, { email: `${m}.mid.${m}x@ends-${m}.org` });
    for (const term of [m, `${m}.mid`, `mid.${m}x`, `ends-${m}.org`, `${m}.org`]) {
      expect(await found(term), term).toEqual([c.id]);
    }
  });

  it('finds the WhatsApp and the telephone number, by E.164 or national form, whole or in part', async () => {
    const customer = await createCustomer(t.staff);
    const c = await createContact(t.staff, customer.id, { wa_number: '0779081726', tp_number: '0112908172' });
    expect(c.wa_number).toBe('+94779081726');
    expect(c.tp_number).toBe('+94112908172');
    for (const term of ['+94779081726', '0779081726', '077 908 1726', '779081726', '9081726', '+9477908']) {
      expect(await found(term), term).toEqual([c.id]);
    }
    for (const term of ['+94112908172', '0112908172', '011 290 8172', '2908172', '1129081']) {
      expect(await found(term), term).toEqual([c.id]);
    }
  });

  it("finds the customer's first name, last name, username and customer code, anywhere in them", async () => {
    const m = marker();
    const customer = await createCustomer(t.staff, {
      first_name: `Pre${m}Fn`,
      last_name: `Ln${m}Post`,
      username: `user_${m}_9`,
    });
    const made = [await createContact(t.staff, customer.id), await createContact(t.staff, customer.id)];
    const expected = ids(made);
    for (const term of [`pre${m}`, `${m}fn`, `ln${m}`, `${m}post`, `user_${m}`, `${m}_9`]) {
      expect(await found(term), term).toEqual(expected);
    }
    const code = customer.customer_id as string;
    expect(await found(code)).toEqual(expected);
    expect(await found(code.toLowerCase())).toEqual(expected);
  });

  it('is case-insensitive in the term and in the stored value', async () => {
    const m = marker();
    const customer = await createCustomer(t.staff, { last_name: `MiXeD${m.toUpperCase()}` });
    const c = await createContact(t.staff, customer.id, { email: `CaSe.${m}@Example.COM` });
    // E-mails are stored lower-case; the customer's name as given.
    for (const term of [`case.${m}`, `CASE.${m.toUpperCase()}`, `mixed${m}`, `MIXED${m.toUpperCase()}`, `mIxEd${m}`]) {
      expect(await found(term), term).toEqual([c.id]);
    }
  });

  it('finds nothing for a term that only spans two columns', async () => {
    const m = marker();
    const customer = await createCustomer(t.staff, { first_name: `Aa${m}`, last_name: `${m}Zz` });
    await createContact(t.staff, customer.id);
    expect(await found(`aa${m}`)).toHaveLength(1);
    expect(await found(`${m} ${m}`)).toEqual([]);
    expect(await found(`aa${m}${m}zz`)).toEqual([]);
    // PostgreSQL keeps the columns joined by newlines in one indexed value (migration 0011): no term spans them.
    expect(await found(`${m}\n${m}`)).toEqual([]);
    expect(await found(`aa${m}\n${m}zz`)).toEqual([]);
  });
});

describe('contact search: the input is literal', () => {
  it('`%`, `_` and `!` only match themselves, in short and long terms', async () => {
    const m = marker();
    const pct = await createCustomer(t.staff, { last_name: `${m}50%off` });
    const under = await createCustomer(t.staff, { username: `${m}_u_x` });
    const bang = await createCustomer(t.staff, { last_name: `${m}wow!bang` });
    const lookalike = await createCustomer(t.staff, { last_name: `${m}50xoff`, username: `${m}auax` });
    const [p, u, b] = [
      await createContact(t.staff, pct.id),
      await createContact(t.staff, under.id),
      await createContact(t.staff, bang.id),
    ];
    await createContact(t.staff, lookalike.id);

    expect(await found(`${m}50%off`)).toEqual([p.id]);
    expect(await found('50%o')).toEqual([p.id]);
    expect(await found('%o')).toEqual([p.id]);
    expect(await found(`${m}_u_x`)).toEqual([u.id]);
    expect(await found('_u_')).toEqual([u.id]);
    expect(await found(`w!b`)).toEqual([b.id]);
    expect(await found('!b')).toEqual([b.id]);
    expect(await found(`${m}%`)).toEqual([]);
    expect(await found(`${m}_`)).toEqual([u.id]);
    // Wildcards of other syntaxes too: FTS5's query language, GLOB.
    expect(await found(`"${m}`)).toEqual([]);
    expect(await found(`${m}*`)).toEqual([]);
    expect(await found(`${m} OR ${m}`)).toEqual([]);
    expect(await found(`${m}\tx`)).toEqual([]);
    // PostgreSQL text cannot hold a NUL: it is refused in the search (and every free-text field) on every
    // database, with a 400 on that field rather than a database error.
    for (const term of [`${m}\u0000x`, '\u0000\u0000\u0000']) {
      const res = await t.viewer.get(`/api/contacts/?search=${encodeURIComponent(term)}`);
      expect(res.status, JSON.stringify(term)).toBe(400);
      expect(res.body.errors.search).toEqual(['Null characters are not allowed.']);
    }
    const customer = await t.staff.post('/api/customers/', customerBody({ first_name: 'a\u0000b', address: '\u0000' }));
    expect(customer.status).toBe(400);
    expect(customer.body.errors.first_name).toEqual(['Null characters are not allowed.']);
    expect(customer.body.errors.address).toEqual(['Null characters are not allowed.']);
  });
});

describe('contact search: the start of a phone number', () => {
  const startsWith = (prefix: string) => (r: Contact) =>
    r.wa_number.startsWith(prefix) || r.tp_number.startsWith(prefix);

  it.each(ADAPTERS)(
    'finds the numbers that start with it, typed nationally or internationally (%s)',
    async (adapter) => {
      const customer = await createCustomer(t.staff);
      const c = await createContact(t.staff, customer.id, { wa_number: '0765432198', tp_number: '0812345670' });
      const terms: [string, string][] = [
        ['076 543 21', '+947654321'],
        ['(076) 543-2198', '+94765432198'],
        ['+94 76 5432', '+94765432'],
        ['0094765432', '+94765432'],
        ['081 234', '+9481234'],
      ];
      for (const [term, prefix] of terms) {
        const res = await operations(t.url, t.viewer.token).call(adapter, 'contacts.list', {
          search: term,
          page_size: 100,
        });
        expect(res.status, JSON.stringify(res.body)).toBe(200);
        const rows: Contact[] = res.data.results;
        expect(ids(rows), term).toContain(c.id);
        expect(rows.every(startsWith(prefix)), term).toBe(true);
        expect(res.data.count, term).toBe(rows.length);
      }
    },
  );

  it('looks only at the numbers: digits elsewhere, or from the middle of a number, are substrings as before', async () => {
    const m = marker();
    const customer = await createCustomer(t.staff, { last_name: `Digits${m}` });
    const number = await createContact(t.staff, customer.id, { wa_number: '0765432917' });
    const inEmail = await createContact(t.staff, customer.id, { email: `0765432917.${m}@example.com` });
    const whole = await contacts('0765432917');
    expect(ids(whole)).toContain(number.id);
    expect(ids(whole)).not.toContain(inEmail.id);
    expect(whole.every(startsWith('+94765432917'))).toBe(true);
    // Without its trunk prefix a number could be any part of one: a substring of every column, e-mails included.
    const middle = ids(await contacts('765432917'));
    expect(middle).toEqual(expect.arrayContaining([number.id, inEmail.id]));
  });
});

describe('contact search: terms shorter than three characters', () => {
  it('finds every contact holding a one- or two-character term, and only those', async () => {
    const m = marker();
    const customer = await createCustomer(t.staff, { last_name: `Qz${m}` });
    const c = await createContact(t.staff, customer.id, { email: `jq.${m}@example.com` });
    for (const term of ['qz', 'QZ', 'jq', 'q']) {
      const rows = await contacts(term);
      expect(ids(rows), term).toContain(c.id);
      const holds = (r: Contact) =>
        [r.email, r.wa_number, r.tp_number, r.customer_name, r.customer_username].some((v) =>
          v.toLowerCase().includes(term.toLowerCase()),
        );
      expect(rows.every(holds), term).toBe(true);
    }
    // A term that nothing holds: neither path invents a match.
    expect(await found('~}')).toEqual([]);
  });
});

describe('contact search: Unicode', () => {
  it('finds names in other scripts and with accents, by substrings of one to many characters', async () => {
    const m = marker();
    const accents = await createCustomer(t.staff, { first_name: 'Zoë', last_name: `Ñúñez-Öberg${m}` });
    const cjk = await createCustomer(t.staff, { first_name: '山田', last_name: `太郎${m}` });
    const sinhala = await createCustomer(t.staff, { first_name: 'සුනිල්', last_name: `පෙරේරා${m}` });
    const [a, c, s] = [
      await createContact(t.staff, accents.id),
      await createContact(t.staff, cjk.id),
      await createContact(t.staff, sinhala.id),
    ];
    // Upper-case letters beyond ASCII stay out of the terms: SQLite's LOWER() folds ASCII only (as before the
    // index), so there a term can match a stored non-ASCII letter only in the case it is stored in, lower.
    for (const term of ['úñez', 'úñ', 'ñez-', `berg${m}`, `BERG${m.toUpperCase()}`, 'zoë', 'ZOË', 'oë']) {
      expect(await found(term), term).toContain(a.id);
    }
    expect(await found(`berg${m}`)).toEqual([a.id]);
    for (const term of ['山田', '太郎', `郎${m}`, `太郎${m}`]) expect(await found(term), term).toContain(c.id);
    expect(await found(`太郎${m}`)).toEqual([c.id]);
    for (const term of ['සුනි', `පෙරේරා${m}`]) expect(await found(term), term).toContain(s.id);
    expect(await found(`පෙරේරා${m}`)).toEqual([s.id]);
    expect(await found(`úñez-x${m}`)).toEqual([]);
  });
});

describe('contact search: the same answers as a scan of the columns', () => {
  it('for letters beyond ASCII stored in upper case, which each database lowers its own way', async () => {
    const m = marker();
    const made = [
      await createCustomer(t.staff, { last_name: `ÖBERG${m}` }),
      await createCustomer(t.staff, { last_name: `\u212Aasun${m}` }), // KELVIN SIGN, lowered to "k" by Unicode
      await createCustomer(t.staff, { first_name: `ΣΟΦΙΑ${m}` }),
    ];
    for (const customer of made) await createContact(t.staff, customer.id);
    const scan = async (term: string) => {
      const like = "LIKE :p ESCAPE '!'";
      const columns = ['c.email', 'c.wa_number', 'c.tp_number', 'u.first_name', 'u.last_name', 'u.username'];
      const rows = (await raw.query(
        `SELECT c.id FROM contacts c JOIN customers u ON u.id = c.customer_id
         WHERE c.customer_id IN (:customers) AND (${columns.map((col) => `LOWER(${col}) ${like}`).join(' OR ')})`,
        { replacements: { p: `%${term.toLowerCase()}%`, customers: made.map((c) => c.id) }, type: QueryTypes.SELECT },
      )) as { id: number }[];
      return rows.map((r) => Number(r.id)).sort((a, b) => a - b);
    };
    for (const term of [
      `berg${m}`,
      `öberg${m}`,
      `ÖBERG${m}`,
      `Öberg${m}`,
      `kasun${m}`,
      `\u212Aasun${m}`,
      `σοφια${m}`,
      `ΣΟΦΙΑ${m}`,
    ]) {
      expect(await found(term), term).toEqual(await scan(term));
    }
  });
});

describe('contact search: the index follows every write', () => {
  it('an updated e-mail or number is found by its new value only; an unrelated change keeps it found', async () => {
    const [before, after] = [marker(), marker()];
    const customer = await createCustomer(t.staff);
    const c = await createContact(t.staff, customer.id, { email: `${before}@example.com`, wa_number: '0775551234' });
    expect(await found(before)).toEqual([c.id]);

    const patched = await t.staff.patch(`/api/contacts/${c.id}/`, {
      email: `${after}@example.com`,
      wa_number: '0775559876',
    });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    expect(await found(before)).toEqual([]);
    expect(await found(after)).toEqual([c.id]);
    expect(await found('0775559876')).toEqual([c.id]);
    expect(await found('0775551234')).toEqual([]);

    expect((await t.staff.post(`/api/contacts/${c.id}/toggle-status/`)).status).toBe(200);
    expect(await found(after)).toEqual([c.id]);
    expect(ids(await contacts(after, '&is_active=false'))).toEqual([c.id]);
  });

  it("a renamed customer's contacts are found by the new name only", async () => {
    const [before, after] = [marker(), marker()];
    const customer = await createCustomer(t.staff, { last_name: `Old${before}` });
    const made = ids([await createContact(t.staff, customer.id), await createContact(t.staff, customer.id)]);
    expect(await found(`old${before}`)).toEqual(made);
    const res = await t.staff.patch(`/api/customers/${customer.id}/`, { last_name: `New${after}` });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(await found(`old${before}`)).toEqual([]);
    expect(await found(`new${after}`)).toEqual(made);
    expect(ids(await customers(`new${after}`))).toEqual([customer.id]);
    expect(await customers(`old${before}`)).toEqual([]);
  });

  it('a deleted contact, or the contacts of a deleted customer, are no longer found; their values can be reused', async () => {
    const m = marker();
    const customer = await createCustomer(t.staff, { last_name: `Gone${m}` });
    const kept = await createContact(t.staff, customer.id, { email: `kept.${m}@example.com` });
    const dropped = await createContact(t.staff, customer.id, { email: `dropped.${m}@example.com` });
    expect(await found(m)).toEqual(ids([kept, dropped]));

    expect((await t.staff.delete(`/api/contacts/${dropped.id}/`)).status).toBe(204);
    expect(await found(`dropped.${m}`)).toEqual([]);
    expect(await found(m)).toEqual([kept.id]);

    expect((await t.staff.delete(`/api/customers/${customer.id}/`)).status).toBe(204);
    expect(await found(m)).toEqual([]);
    expect(await customers(`gone${m}`)).toEqual([]);

    const again = await createCustomer(t.staff, { last_name: `Gone${m}` });
    const back = await createContact(t.staff, again.id, { email: `dropped.${m}@example.com` });
    expect(await found(m)).toEqual([back.id]);
    expect(ids(await customers(`gone${m}`))).toEqual([again.id]);
  });
});

describe('contact search: totals, pages and filters', () => {
  it('counts every match once, pages through them in order, and combines with the filters', async () => {
    const m = marker();
    const customer = await createCustomer(t.staff, { first_name: `Many${m}` });
    // Matched by the customer's name and, for some, by their own e-mail too: each is counted once.
    const made = [];
    for (let i = 0; i < 12; i++) {
      made.push(
        await createContact(t.staff, customer.id, {
          email: i % 2 ? `many${m}.${i}@example.com` : `other.${i}.${m.slice(0, 2)}@example.com`,
          is_active: i % 3 !== 0,
        }),
      );
    }
    const pages = [];
    for (let page = 1; page <= 3; page++) {
      const res = await t.viewer.get(`/api/contacts/?search=many${m}&page_size=5&page=${page}&ordering=-created_at`);
      expect(res.status).toBe(200);
      expect(res.body.data.count).toBe(12);
      pages.push(...res.body.data.results.map((r: Contact) => r.id));
    }
    expect(pages).toEqual(made.map((c) => c.id).reverse());
    expect(await found(`many${m}`)).toEqual(ids(made));
    const active = made.filter((c) => c.is_active);
    expect(ids(await contacts(`many${m}`, '&is_active=true'))).toEqual(ids(active));
    expect(ids(await contacts(`many${m}`, `&customer_id=${customer.id}&is_primary=false`))).toEqual(ids(made));
  });
});

describe('customer search', () => {
  it('finds each searched column by a substring, case-insensitively, and follows updates', async () => {
    const m = marker();
    const c = await createCustomer(t.staff, {
      username: `cu_${m}`,
      email: `mail.${m}@example.com`,
      first_name: `Fn${m}`,
      last_name: `Ln${m}`,
      phone_number: '0778123456',
    });
    for (const term of [`CU_${m}`, `MAIL.${m}`, `fn${m}`, `LN${m.toUpperCase()}`, c.nic, '8123456', '0778123456']) {
      expect(ids(await customers(term)), term).toEqual([c.id]);
    }
    expect(ids(await customers(c.customer_id as string))).toEqual([c.id]);
    const res = await t.staff.patch(`/api/customers/${c.id}/`, { phone_number: '0778654321' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(await customers('0778123456')).toEqual([]);
    expect(ids(await customers('0778654321'))).toEqual([c.id]);
  });
});

describe('the search uses its index', () => {
  const dialect = () => raw.getDialect();

  it("PostgreSQL: one bitmap scan of the contacts' search_text index, no customers", async (ctx) => {
    if (dialect() !== 'postgres') ctx.skip();
    const match = contactSearch('postgres', ['perera', '+94771234567'], 'contacts');
    const plan = await raw.transaction(async (transaction) => {
      // A test database is small: without this, a scan is cheaper than any index.
      await raw.query('SET LOCAL enable_seqscan = off', { transaction });
      const rows = (await raw.query(`EXPLAIN SELECT COUNT(*) FROM contacts WHERE ${match.sql}`, {
        replacements: match.params,
        type: QueryTypes.SELECT,
        transaction,
      })) as { 'QUERY PLAN': string }[];
      return rows.map((r) => r['QUERY PLAN']).join('\n');
    });
    expect(plan).toMatch(/Bitmap Index Scan on contacts_search_text_trgm/);
    expect(plan).not.toMatch(/customers/);
  });

  it('SQLite: the contacts_search table alone answers terms of three characters or more', async (ctx) => {
    if (dialect() !== 'sqlite') ctx.skip();
    const plan = async (term: string) => {
      const match = contactSearch('sqlite', [term], 'contacts');
      const rows = (await raw.query(`EXPLAIN QUERY PLAN SELECT COUNT(*) FROM contacts WHERE ${match.sql}`, {
        replacements: match.params,
        type: QueryTypes.SELECT,
      })) as { detail: string }[];
      return rows.map((r) => r.detail).join('\n');
    };
    const long = await plan('perera');
    expect(long).toMatch(/contacts_search VIRTUAL TABLE/);
    expect(long).not.toMatch(/customers/);
    expect(await plan('pe')).not.toMatch(/contacts_search/);
  });
});
