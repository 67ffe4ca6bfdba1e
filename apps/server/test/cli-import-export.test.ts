import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { readContactsCsv } from '@ccm/contract/import';
import { describe, expect } from 'vitest';
import { createContact, createCustomer } from './support/factories.js';
import { test } from './support/fixture.js';
import type { TestServer } from './support/server.js';

// `pnpm cli import` and `pnpm cli export` on a running server's database (TEST_DATABASE_URL or SQLite), as a
// script in CI runs them (CI=true, no terminal: the progress is plain lines on stderr).

const SERVER_DIR = path.resolve(import.meta.dirname, '..');
const HEADER = 'customer,email,wa_number,tp_number,is_primary,is_active';

function cli(t: TestServer, args: string[]) {
  return promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
    cwd: SERVER_DIR,
    env: { PATH: process.env.PATH, CI: 'true', DATABASE_URL: t.databaseUrl, DATA_DIR: t.dataDir },
  }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );
}

/** 2,000 rows over three customers (named by id, code and username), 10 of them bad; the bad rows' lines. */
async function twoThousandRows(t: TestServer) {
  const customers = [await createCustomer(t.staff), await createCustomer(t.staff), await createCustomer(t.staff)];
  const taken = await createContact(t.staff, customers[0].id, { email: 'taken@example.com' });
  const bad = new Map<number, RegExp>([
    [17, /email: Enter a valid email address/],
    [250, /email: Enter a valid email address/],
    [999, /No customer has the id, code or username ""nobody-here""/],
    [1000, /is_primary: Must be true or false/],
    [1001, /wa_number: Enter a valid phone number/],
    [1002, /customer: This field may not be blank/],
    [1500, /No customer has the id, code or username ""999999""/],
    [1750, /email: This customer already has a contact with this email/],
    [1998, /tp_number: Enter a valid phone number/],
    [2000, /email: This customer already has a contact with this email/],
  ]);
  const rows = Array.from({ length: 2000 }, (_, i) => {
    const c = customers[i % 3];
    const cells = [
      [String(c.id), c.customer_id, c.username][i % 3],
      `import${i}@example.com`,
      `077${String(3_000_000 + i)}`,
      `+9411${String(4_000_000 + i)}`,
      i % 3 === 0 && i < 30 ? 'yes' : 'no',
      i % 7 === 0 ? '0' : '1',
    ];
    const line = i + 2;
    if (line === 17 || line === 250) cells[1] = 'not-an-email';
    if (line === 999) cells[0] = 'nobody-here';
    if (line === 1000) cells[4] = 'maybe';
    if (line === 1001) cells[2] = 'phone?';
    if (line === 1002) cells[0] = '';
    if (line === 1500) cells[0] = '999999';
    if (line === 1750 || line === 2000) [cells[0], cells[1]] = [String(customers[0].id), taken.email];
    if (line === 1998) cells[3] = '12';
    return cells.join(',');
  });
  return { csv: `${HEADER}\n${rows.join('\n')}\n`, bad };
}

const countOf = async (t: TestServer) => (await t.viewer.get('/api/contacts/stats/')).body.data.total_contacts;

describe('pnpm cli import', () => {
  test('--dry-run checks 2,000 rows, writes nothing, and reports exactly the 10 bad ones; then the import', async ({
    server: t,
  }) => {
    const { csv, bad } = await twoThousandRows(t);
    const file = path.join(t.dataDir, 'contacts.csv');
    fs.writeFileSync(file, csv);
    const before = await countOf(t);

    const dry = await cli(t, ['import', file, '--dry-run', '--report', path.join(t.dataDir, 'dry.csv')]);
    expect(dry.code, dry.stderr).toBe(1);
    // The dry run checks shapes and customers; a number's digits and duplicates of existing contacts are the
    // server's to find, when it creates them.
    expect(dry.stdout).toContain('Dry run: 2000 rows, 1993 valid, 7 invalid; nothing was written.');
    expect(await countOf(t)).toBe(before);
    const dryReport = readContactsCsv(fs.readFileSync(path.join(t.dataDir, 'dry.csv'), 'utf8'));
    expect(dryReport.rows).toHaveLength(7);

    const done = await cli(t, ['import', file]);
    expect(done.code, done.stderr).toBe(1);
    expect(done.stdout).toContain('Imported 1990 of 2000 rows; 10 failed.');
    expect(done.stderr).toMatch(/^importing: 100% 2,000\/2,000 rows \(1,990 created, 10 failed\)$/m);
    expect(await countOf(t)).toBe(before + 1990);
    const reportFile = path.join(t.dataDir, 'contacts.failed.csv');
    expect(done.stdout).toContain(`Failed rows (line, cells, errors): ${reportFile}`);
    const text = fs.readFileSync(reportFile, 'utf8');
    expect(text.split('\r\n')[0]).toBe(`line,${HEADER},errors`);
    const lines = text.trim().split('\r\n').slice(1);
    expect(lines.map((l) => Number(l.split(',')[0]))).toEqual([...bad.keys()]);
    // The messages, in CSV (quotes doubled).
    for (const l of lines) expect(l).toMatch(bad.get(Number(l.split(',')[0]))!);
  });

  test('says what is wrong with a file that cannot be imported, in a line', async ({ server: t }) => {
    const file = path.join(t.dataDir, 'wrong.csv');
    fs.writeFileSync(file, 'name,mail\nx,y\n');
    const res = await cli(t, ['import', file]);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/The file has no "customer", "email", "wa_number", "tp_number" column/);
    expect(res.stderr).not.toMatch(/^\s+at /m);
  });
});

describe('pnpm cli export', () => {
  test("writes the API's file: the same bytes, in each format, with the list's filters", async ({ server: t }) => {
    const customer = await createCustomer(t.staff);
    for (let i = 0; i < 5; i++) await createContact(t.staff, customer.id, { is_active: i !== 2 });
    for (const [format, filters] of [
      ['csv', ['--customer-id', String(customer.id)]],
      ['ndjson', ['--customer-id', String(customer.id), '--active', 'true', '--ordering', 'email']],
    ] as const) {
      const out = path.join(t.dataDir, `export.${format}`);
      const res = await cli(t, ['export', '--format', format, '--out', out, ...filters]);
      expect(res.code, res.stderr).toBe(0);
      const count = format === 'csv' ? 5 : 4;
      expect(res.stdout).toContain(`Exported ${count} contacts to ${out}`);
      const query = `format=${format}&customer_id=${customer.id}${format === 'ndjson' ? '&is_active=true&ordering=email' : ''}`;
      const api = await t.viewer.get(`/api/contacts/export/?${query}`);
      expect(fs.readFileSync(out, 'utf8')).toBe(api.text);
    }
    const bad = await cli(t, ['export', '--active', 'maybe']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/--active: Must be "true" or "false"/);
  });
});
