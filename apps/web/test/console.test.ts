import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import AxeBuilder from '@axe-core/playwright';
import { createContact, createCustomer, PASSWORDS, startTestServer, type TestServer } from '@ccm/server/testing';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The console in real Chromium (Debian's `chromium`, which `.ci/run` installs) against the real server on SQLite,
// serving this package's build (turbo builds it before these tests).

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'];
const BUILD = fileURLToPath(new URL('../dist/', import.meta.url));

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

/** A fresh tab (its own session storage), its script errors and failed requests kept. */
async function newPage(): Promise<{ page: Page; errors: string[] }> {
  const page = await (await browser.newContext({ viewport: { width: 390, height: 844 } })).newPage();
  const errors: string[] = [];
  // A step that cannot happen fails in seconds, naming itself, instead of the whole test timing out.
  page.setDefaultTimeout(10_000);
  page.on('pageerror', (err) => errors.push(err.message));
  page.on('response', (r) => r.status() >= 400 && errors.push(`${r.status()} ${r.request().method()} ${r.url()}`));
  return { page, errors };
}

async function signIn(page: Page, username: string, password: string) {
  await page.goto(`${t.url}/`);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** The serious and critical accessibility violations axe-core finds on the page as it is now. */
async function seriousViolations(page: Page): Promise<string[]> {
  const { violations } = await new AxeBuilder({ page }).analyze();
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

describe('the console', () => {
  it('is served at / with no inline script, under the server Content-Security-Policy', async () => {
    const res = await fetch(`${t.url}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toMatch(/script-src 'self'/);
    const html = await res.text();
    expect(html).toMatch(/<div id="root">/);
    expect([...html.matchAll(/<script[^>]*>([\s\S]*?)<\/script>/g)].every((m) => m[1]!.trim() === '')).toBe(true);
  });

  it('signs in, lists and searches the customers, and signs out', async () => {
    const customer = await createCustomer(t.staff, { first_name: 'Consolina' });
    const { page, errors } = await newPage();
    await page.goto(`${t.url}/`);
    await expect.poll(() => page.url()).toMatch(/\/sign-in$/);
    expect(await seriousViolations(page)).toEqual([]);
    await signIn(page, 'staff', PASSWORDS.staff);
    await page.getByRole('heading', { name: 'Customers' }).waitFor();
    await page.getByRole('cell', { name: customer.username, exact: true }).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await page.getByLabel('Search').fill('Consolina');
    // The header row and the one match (the page before the search showed others).
    await expect.poll(() => page.getByRole('row').count()).toBe(2);
    await page.getByRole('cell', { name: customer.username, exact: true }).waitFor();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await page.goto(`${t.url}/`);
    await expect.poll(() => page.url()).toMatch(/\/sign-in$/);
    expect(errors).toEqual([]);
  });

  it("creates a customer, showing the server's message for a field next to it", async () => {
    const { page, errors } = await newPage();
    await signIn(page, 'staff', PASSWORDS.staff);
    await page.getByRole('link', { name: 'New customer' }).click();
    await page.getByRole('heading', { name: 'New customer' }).waitFor();
    const fill = async (values: Record<string, string>) => {
      for (const [label, value] of Object.entries(values)) await page.getByLabel(label, { exact: true }).fill(value);
    };
    await fill({ Username: 'formfilled', 'E-mail': 'formfilled@example.com', 'First name': 'Form' });
    await fill({ 'Last name': 'Filled', NIC: 'not-a-nic' });
    await page.getByRole('button', { name: 'Create customer' }).click();
    const nic = page.getByLabel('NIC', { exact: true });
    await expect.poll(() => nic.getAttribute('aria-invalid')).toBe('true');
    const described = await page.locator(`[id="${await nic.getAttribute('aria-describedby')}"]`).textContent();
    expect(described).toMatch(/valid NIC/);
    await nic.fill('991234567V');
    await page.getByRole('button', { name: 'Create customer' }).click();
    await page.getByRole('heading', { name: 'Customers' }).waitFor();
    await page.getByRole('cell', { name: 'formfilled', exact: true }).waitFor();
    // The 400 of the first try was expected; nothing else failed.
    expect(errors.filter((e) => !/^400 POST .*\/api\/customers\/$/.test(e))).toEqual([]);
    expect(await seriousViolations(page)).toEqual([]);
  });

  it('lists the contacts under their statistics, searched and filtered', async () => {
    const customer = await createCustomer(t.staff, { first_name: 'Statista' });
    const kept = await createContact(t.staff, customer.id, { email: 'statista.one@example.com', is_primary: true });
    await createContact(t.staff, customer.id, { email: 'statista.two@example.com', is_active: false });
    const stats = (await t.staff.get('/api/contacts/stats/')).body.data;
    const { page, errors } = await newPage();
    await signIn(page, 'viewer', PASSWORDS.viewer);
    await page.getByRole('link', { name: 'Contacts' }).click();
    await page.getByRole('heading', { name: 'Contacts' }).waitFor();
    const figure = page.getByRole('definition').first();
    await expect.poll(() => figure.textContent()).toBe(stats.total_contacts.toLocaleString('en'));
    await page.getByLabel('Search').fill('statista');
    await expect.poll(() => page.getByRole('row').count()).toBe(3);
    await page.getByLabel('Active').selectOption('yes');
    await expect.poll(() => page.getByRole('row').count()).toBe(2);
    await page.getByRole('cell', { name: kept.email, exact: true }).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('shows a viewer no write control, and says why', async () => {
    const { page } = await newPage();
    await signIn(page, 'viewer', PASSWORDS.viewer);
    await page.getByText('Viewers can read everything here but change nothing.').waitFor();
    expect(await page.getByRole('link', { name: 'New customer' }).count()).toBe(0);
  });

  it("shows the server's message for a wrong password", async () => {
    const { page } = await newPage();
    await signIn(page, 'staff', 'not-the-password');
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/\S/);
    expect(page.url()).toMatch(/\/sign-in$/);
  });
});
