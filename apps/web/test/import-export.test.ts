import fs from 'node:fs';
import { createCustomer } from '@ccm/server/testing';
import type { Download, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { consoleUnderTest, seriousViolations } from './support/browser.js';

// The console's import and export in real Chromium against the real server on SQLite (support/browser.ts).

const HEADER = 'customer,email,wa_number,tp_number,is_primary,is_active';

const under = consoleUnderTest();
const signedIn = (user: 'staff' | 'viewer') => under.signedIn(user);
/** The server, once the file's setup has started it. */
const server = () => under.t;
const openImport = (page: Page) =>
  page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Import' }).click();

const textOf = async (download: Download) => fs.readFileSync((await download.path())!, 'utf8');

/** 2,000 rows over two customers (by id and by username), the 10 bad ones at these lines. */
async function twoThousandRows() {
  const customers = [
    await createCustomer(server().staff, { first_name: 'Importina' }),
    await createCustomer(server().staff, { first_name: 'Importina' }),
  ];
  const bad = [5, 77, 300, 999, 1000, 1001, 1500, 1777, 1900, 2001];
  const rows = Array.from({ length: 2000 }, (_, i) => {
    const line = i + 2;
    const customer = i % 2 === 0 ? String(customers[0].id) : customers[1].username;
    const cells = [
      customer,
      `browser${i}@example.com`,
      `077${5_000_000 + i}`,
      `0112${String(i).padStart(6, '0')}`,
      'no',
      'yes',
    ];
    if (bad.includes(line))
      cells[[1, 0, 4, 5][line % 4]!] = ['not-an-email', 'nobody-here', 'maybe', 'sometimes'][line % 4]!;
    return cells.join(',');
  });
  return { csv: `${HEADER}\n${rows.join('\n')}\n`, bad };
}

describe('the console: import and export', () => {
  it('imports a 2,000-row CSV: a dry run, the progress, every failed row with its line, their CSV', async () => {
    const { csv, bad } = await twoThousandRows();
    const { page, errors } = await signedIn('staff');
    await openImport(page);
    await page.getByRole('heading', { name: 'Import contacts' }).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await page
      .getByLabel('CSV file')
      .setInputFiles({ name: 'contacts.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await page.getByText('2,000 rows: 1,990 valid, 10 invalid.').waitFor();
    expect((await server().staff.get('/api/contacts/stats/')).body.data.total_contacts).toBe(0);

    // Each chunk takes a moment, so that the bar can be read between them.
    await page.route('**/api/contacts/bulk-create/', async (route) => {
      await new Promise((resolve) => setTimeout(resolve, 700));
      await route.continue();
    });
    await page.getByRole('button', { name: 'Import' }).click();
    const bar = page.getByRole('progressbar', { name: 'Import progress' });
    await expect.poll(async () => Number(await bar.getAttribute('aria-valuenow'))).toBeGreaterThanOrEqual(1000);
    expect(await bar.getAttribute('aria-valuemax')).toBe('2000');
    await page.getByText('Imported 1,990 of 2,000 rows; 10 failed.').waitFor();
    expect((await server().staff.get('/api/contacts/stats/')).body.data.total_contacts).toBe(1990);

    // The report on the page: a row per failed line, in order.
    const table = page.getByRole('region', { name: 'Failed rows' });
    const lines = await table.locator('tbody tr td:first-child').allTextContents();
    expect(lines.map(Number)).toEqual(bad);
    expect(await table.locator('tbody tr').first().textContent()).toMatch(
      /customer: No customer has the id, code or username "nobody-here"/,
    );
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download failed rows' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('contacts-failed-rows.csv');
    const report = (await textOf(download)).trim().split('\r\n');
    expect(report[0]).toBe(`line,${HEADER},errors`);
    expect(report.slice(1).map((l) => Number(l.split(',')[0]))).toEqual(bad);
    expect(await seriousViolations(page)).toEqual([]);
    expect(errors).toEqual([]);
  });

  it("exports the contacts of the page's filters as the server's CSV", async () => {
    const { page, errors } = await signedIn('viewer');
    await page.getByRole('link', { name: 'Contacts' }).click();
    await page.getByRole('heading', { name: 'Contacts' }).waitFor();
    await page.getByLabel('Search').fill('browser1');
    await page.getByLabel('Active').selectOption('yes');
    // The page has its total: over 1,000 matches, where a search's count stops, `1,000+`.
    await expect.poll(() => page.getByRole('caption').textContent()).toMatch(/^[\d,]+\+? contacts$/);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export CSV' }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^contacts-\d{4}-\d{2}-\d{2}\.csv$/);
    const file = await textOf(download);
    const expected = await server().viewer.get('/api/contacts/export/?search=browser1&is_active=true');
    expect(file).toBe(expected.text);
    // browser1, browser10-19, browser100-199, browser1000-1999, less the ones that failed to import.
    const rows = file.trim().split('\r\n').slice(1);
    expect(rows.length).toBeGreaterThan(1000);
    expect(rows.every((r) => /,browser1\d*@example\.com,/.test(r))).toBe(true);
    expect(await seriousViolations(page)).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('shows a viewer no import, and says why', async () => {
    const { page } = await signedIn('viewer');
    // Viewers have no Import link; its address tells them why there is nothing to do.
    expect(await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Import' }).count()).toBe(0);
    await page.goto(`${server().url}/import`);
    await page.getByText('Viewers can read everything here but change nothing.').waitFor();
    expect(await page.getByLabel('CSV file').count()).toBe(0);
  });
});
