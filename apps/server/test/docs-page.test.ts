import fs from 'node:fs';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './support/server.js';

/** Debian's `chromium` package (`.ci/run` installs it when missing). */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
/** At most what the server's Content-Security-Policy allows: scripts from the server only, no inline script. */
const CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:";

let t: TestServer;
let browser: Browser;

beforeAll(async () => {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
  t = await startTestServer();
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

describe('the docs page', () => {
  it('is plain HTML with no inline script', async () => {
    const res = await t.anon.get('/api/docs/');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const scripts = [...res.text.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attributes, body] of scripts) {
      expect(attributes).toMatch(/src="\/api\/docs\/[\w.-]+\.js"/);
      expect(body!.trim()).toBe('');
    }
    expect(res.text).not.toMatch(/https?:\/\//);
  });

  it('renders every contact route in headless Chromium, from this server only, under a strict CSP', async () => {
    const page = await browser.newPage();
    const requests: string[] = [];
    const problems: string[] = [];
    page.on('request', (request) => requests.push(request.url()));
    page.on('response', (response) => {
      if (response.status() >= 400) problems.push(`${response.status()} ${response.url()}`);
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console: ${message.text()}`);
    });
    // The server's own Content-Security-Policy applies; should it send none, one as strict is added here.
    await page.route('**/api/docs/', async (route) => {
      const response = await route.fetch();
      const headers = response.headers();
      headers['content-security-policy'] ??= CSP;
      await route.fulfill({ response, headers });
    });

    await page.goto(`${t.url}/api/docs/`);
    const contactsList = page.locator('.opblock-summary-path[data-path="/api/contacts/"]');
    await contactsList.first().waitFor({ timeout: 20_000 });

    const paths = await page
      .locator('.opblock-summary-path')
      .evaluateAll((nodes) => nodes.map((n) => n.getAttribute('data-path')));
    for (const path of [
      '/api/contacts/',
      '/api/contacts/{id}/',
      '/api/contacts/{id}/set-primary/',
      '/api/contacts/bulk-create/',
      '/api/customers/',
      '/api/auth/token/',
    ]) {
      expect(paths, path).toContain(path);
    }
    expect(await page.locator('.opblock-summary-method').allTextContents()).toEqual(
      expect.arrayContaining(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']),
    );
    // The bearer scheme gives the page its Authorize button.
    await expect(page.locator('button.authorize').count()).resolves.toBe(1);
    if (process.env.DOCS_SCREENSHOT) await page.screenshot({ path: process.env.DOCS_SCREENSHOT, fullPage: true });

    const elsewhere = requests.filter((url) => {
      if (url.startsWith('data:') || url.startsWith('blob:')) return false;
      return new URL(url).hostname !== '127.0.0.1';
    });
    expect(elsewhere).toEqual([]);
    expect(requests).toContain(`${t.url}/api/openapi.json`);
    expect(problems).toEqual([]);
    await page.close();
  });
});
