import type { Contact } from '@ccm/contract';
import { readContactsCsv } from '@ccm/contract/import';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { rawConnection } from './support/database.js';
import { contactBody, createContact, createCustomer } from './support/factories.js';
import { startTestServer, type TestServer } from './support/server.js';

// GET /api/contacts/export/: every match of the list's filters as one file, read from the database a page at a
// time (EXPORT_PAGE_SIZE, 10 here: the 2,500 contacts are 250 pages) while the client takes it.

const PAGE = 10;
const BULK = [1000, 1000, 497];
/** The export's page statements (services/contacts/export.ts), counted through DATABASE_LOGGING. */
let pageReads = 0;
let t: TestServer;
let small: { id: number };
let contacts: Contact[];

/** Every contact, as the list gives them (newest first), a page of 100 at a time by cursor. */
async function listAll(query = ''): Promise<Contact[]> {
  const all: Contact[] = [];
  let cursor = '';
  do {
    const res = await t.viewer.get(`/api/contacts/?page_size=100&cursor=${encodeURIComponent(cursor)}${query}`);
    expect(res.status, res.text).toBe(200);
    all.push(...res.body.data.results);
    cursor = res.body.data.next_cursor ?? '';
  } while (cursor);
  return all;
}

const ndjson = (text: string): Contact[] =>
  text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));

beforeAll(async () => {
  vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
    if (/ LIMIT 10\) page ON page\.id = c\.id/.test(String(args[0]))) pageReads += 1;
  });
  t = await startTestServer({ EXPORT_PAGE_SIZE: String(PAGE), DATABASE_LOGGING: 'true', WEBHOOK_DELIVERY: 'false' });
  small = await createCustomer(t.staff, { first_name: 'Needle' });
  await createContact(t.staff, small.id, { email: 'needle.primary@example.com', is_primary: true });
  await createContact(t.staff, small.id, { email: 'needle.off@example.com', is_active: false });
  const big = await createCustomer(t.staff);
  for (const n of BULK) {
    const items = Array.from({ length: n }, (_, i) => contactBody(big.id, { is_active: i % 100 !== 0 }));
    const res = await t.staff.post('/api/contacts/bulk-create/', { contacts: items });
    expect(res.status, res.text.slice(0, 300)).toBe(201);
  }
  contacts = await listAll();
}, 120_000);
afterAll(async () => {
  await t?.close();
  vi.restoreAllMocks();
});

describe('GET /api/contacts/export/', () => {
  it("CSV (the default): every contact once, the import's columns, as an attachment a viewer may take", async () => {
    const res = await t.viewer.get('/api/contacts/export/');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="contacts-\d{4}-\d{2}-\d{2}\.csv"$/);
    expect(res.text.split('\r\n')[0]).toBe('customer,email,wa_number,tp_number,is_primary,is_active');
    const { rows, unreadable } = readContactsCsv(res.text);
    expect(unreadable).toEqual([]);
    expect(rows).toHaveLength(2 + BULK.reduce((a, b) => a + b));
    // In the list's order, each contact's values as the import reads them.
    expect(rows.map((r) => r.cells)).toEqual(
      contacts.map((c) => ({
        customer: String(c.customer),
        email: c.email,
        wa_number: c.wa_number,
        tp_number: c.tp_number,
        is_primary: String(c.is_primary),
        is_active: String(c.is_active),
      })),
    );
    // Phone numbers start with "+": a spreadsheet would read a formula, so they are escaped.
    expect(res.text.split('\r\n')[1]).toMatch(/^\d+,[^,]+,'\+\d+,'\+\d+,(true|false),(true|false)$/);
  });

  it('NDJSON: the records of the list, in its order, one per line', async () => {
    const res = await t.viewer.get('/api/contacts/export/?format=ndjson');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/x-ndjson');
    expect(res.headers.get('content-disposition')).toMatch(/filename="contacts-[\d-]+\.ndjson"$/);
    expect(res.text.endsWith('\n')).toBe(true);
    expect(ndjson(res.text)).toEqual(contacts);
  });

  it("takes the list's filters and ordering: the same contacts as the list", async () => {
    for (const query of [
      `&customer_id=${small.id}`,
      '&is_active=false',
      '&is_primary=true&ordering=email',
      '&search=needle',
      // The start of a number: the list's number ranges.
      `&search=${encodeURIComponent(contacts[0]!.wa_number.slice(0, 7))}`,
      `&customer_id=${small.id}&is_active=true&ordering=-email`,
      '&is_active=false&ordering=id',
    ]) {
      const res = await t.viewer.get(`/api/contacts/export/?format=ndjson${query}`);
      expect(res.status, query).toBe(200);
      const expected = await listAll(query);
      expect(expected.length, query).toBeGreaterThan(0);
      expect(
        ndjson(res.text).map((c) => c.id),
        query,
      ).toEqual(expected.map((c) => c.id));
    }
  });

  it('quotes and escapes hostile values: a formula, quotes, commas, line breaks', async () => {
    // Values the API refuses, written around it (as an older version or another tool might have left them).
    const hostile = ["=cmd|' /C calc'!A0", '"quoted", and, commas', 'two\r\nlines', '@SUM(1+1)', "'apostrophe"];
    const customer = await createCustomer(t.staff, { first_name: 'Hostile' });
    const raw = rawConnection(t.databaseUrl);
    try {
      for (const value of hostile) {
        const contact = await createContact(t.staff, customer.id);
        await raw.query('UPDATE contacts SET email = ? WHERE id = ?', { replacements: [value, contact.id] });
      }
    } finally {
      await raw.close();
    }
    const res = await t.viewer.get(`/api/contacts/export/?customer_id=${customer.id}&ordering=id`);
    expect(res.status).toBe(200);
    expect(res.text).toContain(",'=cmd|' /C calc'!A0,");
    expect(res.text).toContain(',"""quoted"", and, commas",');
    expect(res.text).toContain(',"two\r\nlines",');
    expect(res.text).toContain(",'@SUM(1+1),");
    expect(res.text).toContain(",''apostrophe,");
    // The import reads each value back as it was (line breaks as \n).
    const { rows } = readContactsCsv(res.text);
    expect(rows.map((r) => r.cells.email)).toEqual(hostile.map((v) => v.replace('\r\n', '\n')));
  });

  it('stops reading the database when the client goes away', async () => {
    pageReads = 0;
    const whole = await t.viewer.get('/api/contacts/export/');
    const pages = Math.floor(readContactsCsv(whole.text).rows.length / PAGE) + 1;
    expect(pageReads).toBe(pages);
    const controller = new AbortController();
    pageReads = 0;
    const res = await fetch(`${t.url}/api/contacts/export/`, {
      headers: { authorization: `Bearer ${t.viewer.token}` },
      signal: controller.signal,
    });
    const reader = res.body!.getReader();
    await reader.read();
    controller.abort();
    await reader.read().catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const afterAbort = pageReads;
    await new Promise((resolve) => setTimeout(resolve, 500));
    // The reading stopped long before the end, and stays stopped.
    expect(afterAbort).toBeLessThan(pages / 2);
    expect(pageReads).toBe(afterAbort);
    expect((await t.viewer.get('/api/contacts/export/?customer_id=1')).status).toBe(200);
  });

  it('answers a bad query or a missing token with the error envelope, before any byte of a file', async () => {
    for (const [query, field] of [
      ['format=xlsx', 'format'],
      ['is_active=maybe', 'is_active'],
      ['customer_id=abc', 'customer_id'],
      ['ordering=name', 'ordering'],
    ] as const) {
      const res = await t.viewer.get(`/api/contacts/export/?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(res.body).toMatchObject({ success: false, errors: { [field]: [expect.any(String)] } });
    }
    expect((await t.viewer.get('/api/contacts/export/?format=xlsx')).body.errors.format).toEqual([
      'Must be one of: "csv", "ndjson".',
    ]);
    const anon = await t.anon.get('/api/contacts/export/');
    expect(anon.status).toBe(401);
    expect(anon.body.success).toBe(false);
  });

  it('is REST only: tRPC has no procedure for it', async () => {
    const res = await fetch(`${t.url}/trpc/contacts.export`, {
      headers: { authorization: `Bearer ${t.viewer.token}` },
    });
    expect(res.status).toBe(404);
  });
});
