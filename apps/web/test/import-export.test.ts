import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import AxeBuilder from '@axe-core/playwright';
import { createCustomer, PASSWORDS, startTestServer, type TestServer } from '@ccm/server/testing';
import { type Browser, chromium, type Download, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The console's import and export in real Chromium (Debian's `chromium`) against the real server on SQLite,
// serving this package's build (turbo builds it before these tests).

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'];
const BUILD = fileURLToPath(new URL('../dist/', import.meta.url));
const HEADER = 'customer,email,wa_number,tp_number,is_primary,is_active';

let t: TestServer;
let browser: Browser;

beforeAll(async () => {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
  if (!fs.existsSync(`${BUILD}index.html`)) throw new Error('apps/web is not built: pnpm --filter @ccm/web build');
  t = await startTestServer({ CONSOLE_DIR: BUILD });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

/** A signed-in tab of its own, its script errors and failed requests kept. */
async function signedIn(username: 'staff' | 'viewer'): Promise<{ page: Page; errors: string[] }> {
  const page = await (await browser.newContext({ viewport: { width: 390, height: 844 } })).newPage();
  const errors: string[] = [];
  page.setDefaultTimeout(15_000);
  page.on('pageerror', (err) => errors.push(err.message));
  page.on('response', (r) => r.status() >= 400 && errors.push(`${r.status()} ${r.request().method()} ${r.url()}`));
  await page.goto(`${t.url}/`);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(PASSWORDS[username]);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Customers' }).waitFor();
  return { page, errors };
}

async function seriousViolations(page: Page): Promise<string[]> {
  const { violations } = await new AxeBuilder({ page }).analyze();
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

const textOf = async (download: Download) => fs.readFileSync((await download.path())!, 'utf8');

/** 2,000 rows over two customers (by id and by username), the 10 bad ones at these lines. */
async function twoThousandRows() {
  const customers = [
    await createCustomer(t.staff, { first_name: 'Importina' }),
    await createCustomer(t.staff, { first_name: 'Importina' }),
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
    await page.getByRole('link', { name: 'Import' }).click();
    await page.getByRole('heading', { name: 'Import contacts' }).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await page
      .getByLabel('CSV file')
      .setInputFiles({ name: 'contacts.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await page.getByText('2,000 rows: 1,990 valid, 10 invalid.').waitFor();
    expect((await t.staff.get('/api/contacts/stats/')).body.data.total_contacts).toBe(0);

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
    expect((await t.staff.get('/api/contacts/stats/')).body.data.total_contacts).toBe(1990);

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
    await expect.poll(() => page.getByRole('caption').textContent()).toMatch(/^[\d,]+ contacts$/);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export CSV' }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^contacts-\d{4}-\d{2}-\d{2}\.csv$/);
    const file = await textOf(download);
    const expected = await t.viewer.get('/api/contacts/export/?search=browser1&is_active=true');
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
    await page.getByRole('link', { name: 'Import' }).click();
    await page.getByText('Viewers can read everything here but change nothing.').waitFor();
    expect(await page.getByLabel('CSV file').count()).toBe(0);
  });
});
