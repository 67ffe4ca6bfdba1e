import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import AxeBuilder from '@axe-core/playwright';
import { PASSWORDS, startTestServer, type TestServer } from '@ccm/server/testing';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';

// The console in real Chromium (Debian's `chromium`, which `.ci/run` installs) against the real server on SQLite,
// serving this package's build (turbo builds it before these tests). One server and one browser per test file.

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'];
const BUILD = fileURLToPath(new URL('../../dist/', import.meta.url));

export interface Tab {
  page: Page;
  /** Script errors and answers of 400 and more, as `status METHOD url`. */
  errors: string[];
}

export interface ConsoleUnderTest {
  /** The server (set before the file's tests run). */
  t: TestServer;
  /** A fresh tab (its own session storage) at 390 px wide, its script errors and failed requests kept. */
  newTab(): Promise<Tab>;
  /** A fresh tab signed in as `user` (one of the test server's users), on the customers page. */
  signedIn(user: 'admin' | 'staff' | 'viewer'): Promise<Tab>;
}

/** Starts the server (with `env` on top of the test settings) and the browser for this file, closed after it. */
export function consoleUnderTest(env: Record<string, string> = {}): ConsoleUnderTest {
  let browser: Browser;
  const under = {} as ConsoleUnderTest;
  beforeAll(async () => {
    if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
    if (!fs.existsSync(`${BUILD}index.html`)) throw new Error('apps/web is not built: pnpm --filter @ccm/web build');
    [under.t, browser] = await Promise.all([
      startTestServer({ CONSOLE_DIR: BUILD, ...env }),
      chromium.launch({ executablePath: CHROMIUM, args: ARGS }),
    ]);
  });
  afterAll(async () => {
    await browser?.close();
    await under.t?.close();
  });
  under.newTab = async () => {
    const page = await (await browser.newContext({ viewport: { width: 390, height: 844 } })).newPage();
    const errors: string[] = [];
    // A step that cannot happen fails in seconds, naming itself, instead of the whole test timing out.
    page.setDefaultTimeout(10_000);
    page.on('pageerror', (err) => errors.push(err.message));
    page.on('response', (r) => r.status() >= 400 && errors.push(`${r.status()} ${r.request().method()} ${r.url()}`));
    return { page, errors };
  };
  under.signedIn = async (user) => {
    const tab = await under.newTab();
    await signIn(tab.page, under.t.url, user, PASSWORDS[user]);
    await tab.page.getByRole('heading', { name: 'Customers' }).waitFor();
    return tab;
  };
  return under;
}

export { PASSWORDS };

export async function signIn(page: Page, url: string, username: string, password: string) {
  await page.goto(`${url}/`);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** The serious and critical accessibility violations axe-core finds on the page as it is now. */
export async function seriousViolations(page: Page): Promise<string[]> {
  const { violations } = await new AxeBuilder({ page }).analyze();
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

/**
 * Marks the document so that a test can tell that the page was not loaded again: the mark survives every
 * change made in place and is gone after a full reload.
 */
export const markDocument = (page: Page) => page.evaluate(() => Object.assign(window, { __unreloaded: true }));
export const stillSameDocument = (page: Page) =>
  page.evaluate(() => (window as unknown as { __unreloaded?: boolean }).__unreloaded === true);

/** Whether the page fits the 390 px window: nothing makes the whole page scroll sideways (tables scroll in place). */
export const fitsWidth = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
