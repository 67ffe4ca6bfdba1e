import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import AxeBuilder from '@axe-core/playwright';
import { createCustomer, PASSWORDS, startTestServer, type TestServer } from '@ccm/server/testing';
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

  it("shows the server's message for a wrong password", async () => {
    const { page } = await newPage();
    await signIn(page, 'staff', 'not-the-password');
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/\S/);
    expect(page.url()).toMatch(/\/sign-in$/);
  });
});
