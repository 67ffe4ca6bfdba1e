#!/usr/bin/env node
// Screenshots of the console's main pages for docs/console.md, at 1280x800, against a running server with demo
// data (pnpm cli demo). An admin's password in CCM_PASSWORD; docs/console.md says how to run it.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient } from '@ccm/sdk';
import { launch, settings, signIn } from './browser.mjs';

const OUT = process.env.OUT_DIR ?? fileURLToPath(new URL('../../../docs/images/', import.meta.url));
const WEBHOOK_URL = process.env.WEBHOOK_URL ?? 'http://localhost:8787/ccm-hooks';

/** A few users and a webhook, when the demo database has none, so that those pages show something. */
async function furnish(config) {
  const ccm = createClient({ baseUrl: config.url });
  await ccm.login(config.username, config.password);
  const users = await ccm.users.list({ query: { page_size: 100 } });
  for (const [username, role] of [
    ['nimali.staff', 'staff'],
    ['kasun.viewer', 'viewer'],
  ]) {
    if (users.results.some((u) => u.username === username)) continue;
    const body = { username, role, email: `${username}@example.com`, password: `${username}-demo-password` };
    await ccm.users.create({ body });
  }
  const hooks = await ccm.webhooks.list();
  if (hooks.count === 0) {
    const body = { url: WEBHOOK_URL, events: ['*'], description: 'Sync to the CRM' };
    const made = await ccm.webhooks.create({ body });
    await ccm.webhooks.test({ params: { id: made.id } });
  }
  await ccm.logout();
}

async function shoot(page, name) {
  await page.waitForLoadState('networkidle');
  const file = path.join(OUT, `console-${name}.png`);
  await page.screenshot({ path: file });
  process.stdout.write(`${path.relative(process.cwd(), file)}\n`);
}

const config = settings();
await furnish(config);
fs.mkdirSync(OUT, { recursive: true });
const browser = await launch();
try {
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  await signIn(page, config);
  await page.locator('tbody tr').first().waitFor();
  await shoot(page, 'customers');
  await page.locator('tbody tr').first().getByRole('link').click();
  await page.getByRole('heading', { name: 'Contacts', level: 2 }).waitFor();
  await shoot(page, 'customer');
  await page.getByRole('link', { name: 'Contacts' }).click();
  await page.locator('tbody tr').first().waitFor();
  await shoot(page, 'contacts');
  await page.getByRole('link', { name: 'Users' }).click();
  await page.locator('tbody tr').first().waitFor();
  await shoot(page, 'users');
  await page.getByRole('link', { name: 'Webhooks' }).click();
  await page
    .getByRole('button', { name: /^Deliveries/ })
    .first()
    .click();
  await page.locator('tbody tr').first().waitFor();
  await shoot(page, 'webhooks');
} finally {
  await browser.close();
}
