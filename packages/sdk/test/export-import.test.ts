/**
 * Against the real server: `contacts.export` streams the file (as text, chunks or NDJSON records) and rejects
 * with a CcmApiError before the first byte; `@ccm/sdk/import` checks and imports a CSV through the client.
 */
import { describe, expect, it } from 'vitest';
import { failedRowsCsv, importContactsCsv } from '../src/import.js';
import { CcmApiError, type Contact } from '../src/index.js';
import { contactBody, customerBody, useSignedInServer } from './support.js';

const real = useSignedInServer();

describe('contacts.export', () => {
  it('gives the file as text, as chunks, and as NDJSON records, with its name and type', async () => {
    const { ccm } = real;
    const customer = await ccm.customers.create({ body: customerBody() });
    const contacts = Array.from({ length: 30 }, () => contactBody(customer.id));
    await ccm.contacts.bulkCreate({ body: { contacts } });
    const query = { customer_id: customer.id, ordering: 'email' } as const;

    const csv = await ccm.contacts.export({ query });
    expect(csv).toMatchObject({ format: 'csv', contentType: 'text/csv; charset=utf-8' });
    expect(csv.filename).toMatch(/^contacts-\d{4}-\d{2}-\d{2}\.csv$/);
    const text = await csv.text();
    expect(text.split('\r\n').slice(0, 2)).toEqual([
      'customer,email,wa_number,tp_number,is_primary,is_active',
      expect.stringMatching(new RegExp(`^${customer.id},`)),
    ]);

    let chunked = '';
    for await (const chunk of await ccm.contacts.export({ query })) chunked += chunk;
    expect(chunked).toBe(text);

    const listed = (await ccm.contacts.list({ query: { ...query, page_size: 100 } })).results;
    const records: Contact[] = [];
    for await (const record of (await ccm.contacts.export({ query: { ...query, format: 'ndjson' } })).records()) {
      records.push(record);
    }
    expect(records).toEqual(listed);
  });

  it('rejects with the server message before the first byte', async () => {
    const error = await real.ccm.contacts.export({ query: { format: 'xlsx' as 'csv' } }).catch((e: unknown) => e);
    expect(CcmApiError.is(error)).toBe(true);
    expect((error as CcmApiError).status).toBe(400);
    expect((error as CcmApiError).fieldErrors('format')).toEqual(['Must be one of: "csv", "ndjson".']);
  });
});

describe('@ccm/sdk/import', () => {
  it('checks a CSV in a dry run, then imports it in chunks, reporting each failed row with its line', async () => {
    const { ccm } = real;
    const customer = await ccm.customers.create({ body: customerBody() });
    const rows = Array.from({ length: 25 }, (_, i) => {
      const c = contactBody(customer.id);
      const ref = [String(customer.id), customer.customer_id, customer.username][i % 3];
      return `${ref},${i === 7 ? 'not-an-email' : c.email},${c.wa_number},${c.tp_number},${i === 0 ? 'yes' : 'no'},1`;
    });
    rows.push(`nobody-at-all,x@example.com,0771234567,0112345678,,`);
    const csv = `customer,email,wa_number,tp_number,is_primary,is_active\n${rows.join('\n')}\n`;

    const dry = await importContactsCsv(ccm, csv, { dryRun: true });
    expect(dry).toMatchObject({ dryRun: true, total: 26, valid: 24, created: 0 });
    expect(dry.failed.map((f) => [f.line, Object.keys(f.errors)])).toEqual([
      [9, ['email']],
      [27, ['customer']],
    ]);
    expect((await ccm.contacts.list({ query: { customer_id: customer.id } })).count).toBe(0);

    const progress: number[] = [];
    const done = await importContactsCsv(ccm, csv, { chunkSize: 10, onProgress: (p) => progress.push(p.done) });
    expect(done).toMatchObject({ dryRun: false, total: 26, valid: 24, created: 24 });
    expect(progress.at(-1)).toBe(26);
    expect((await ccm.contacts.list({ query: { customer_id: customer.id } })).count).toBe(24);
    // Again: every row is now a duplicate, refused by the server with its message.
    const again = await importContactsCsv(ccm, csv);
    expect(again.created).toBe(0);
    expect(again.failed).toHaveLength(26);
    expect(again.failed[0]!.errors.email).toEqual(['This customer already has a contact with this email.']);
    expect(failedRowsCsv(again.failed).split('\r\n')[0]).toBe(
      'line,customer,email,wa_number,tp_number,is_primary,is_active,errors',
    );
  });
});
