import { startReceiver } from '@ccm/server/testing';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { consoleUnderTest, fitsWidth, seriousViolations } from './support/browser.js';

// The admins' pages: users (create, change role, deactivate, end sessions) and webhooks (create with the secret
// shown once, a test delivery to a real local endpoint, disable and enable, delete); others are told they are not theirs.

const under = consoleUnderTest({ WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true' });

const status = (page: Page) => page.getByRole('status');
/** The table row with a cell that reads exactly `text`. */
const row = (page: Page, text: string) =>
  page.getByRole('row').filter({ has: page.getByRole('cell', { name: text, exact: true }) });

describe("the admins' pages", () => {
  it('lists, creates and changes users', async () => {
    const { page, errors } = await under.signedIn('admin');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Users' }).click();
    await page.getByRole('heading', { name: 'Users' }).waitFor();
    await row(page, 'viewer').waitFor();
    const form = page.getByRole('form', { name: 'New user' });
    await form.getByLabel('Username').fill('newbie');
    await form.getByLabel('E-mail').fill('newbie@example.com');
    await form.getByLabel('Password').fill('short');
    await form.getByRole('button', { name: 'Create user' }).click();
    const password = form.getByLabel('Password');
    await expect.poll(() => password.getAttribute('aria-invalid')).toBe('true');
    await password.fill('a-long-enough-password');
    await form.getByRole('button', { name: 'Create user' }).click();
    await expect.poll(() => status(page).textContent()).toBe('User created successfully');
    await row(page, 'newbie').waitFor();

    await page.getByLabel('Role of newbie').selectOption('viewer');
    await page.getByRole('button', { name: 'Change role of newbie' }).click();
    await expect.poll(() => status(page).textContent()).toBe('User updated successfully');
    await row(page, 'newbie').getByRole('button', { name: 'Deactivate newbie' }).click();
    await row(page, 'newbie').getByRole('button', { name: 'Activate newbie' }).waitFor();
    await row(page, 'newbie').getByRole('button', { name: 'End sessions of newbie' }).click();
    await expect.poll(() => status(page).textContent()).toBe('Sessions revoked successfully');
    const account = (await under.t.admin.get('/api/users/?page_size=100')).body.data.results.find(
      (u: { username: string }) => u.username === 'newbie',
    );
    expect(account).toMatchObject({ role: 'viewer', is_active: false });

    // An admin cannot demote itself: the server says so.
    await page.getByLabel('Role of admin').selectOption('staff');
    await page.getByRole('button', { name: 'Change role of admin' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/\S/);
    expect(await seriousViolations(page)).toEqual([]);
    expect(await fitsWidth(page)).toBe(true);
    expect(errors.filter((e) => !/^400 (POST|PATCH) .*\/api\/users\//.test(e))).toEqual([]);
  });

  it('registers a webhook, shows its secret once, sends it a test, disables, enables and deletes it', async () => {
    const receiver = await startReceiver();
    try {
      const { page, errors } = await under.signedIn('admin');
      await page.getByRole('link', { name: 'Webhooks' }).click();
      await page.getByRole('heading', { name: 'Webhooks' }).waitFor();
      await page.getByText('No webhooks yet.').waitFor();
      const form = page.getByRole('form', { name: 'New webhook' });
      await form.getByLabel('URL').fill('not a url');
      await form.getByRole('button', { name: 'Create webhook' }).click();
      await expect.poll(() => form.getByLabel('URL').getAttribute('aria-invalid')).toBe('true');
      const url = receiver.url('/console');
      await form.getByLabel('URL').fill(url);
      await form.getByLabel('Description').fill('The console test');
      await form.getByRole('button', { name: 'Create webhook' }).click();
      await expect.poll(() => status(page).textContent()).toBe('Webhook created successfully');
      await expect.poll(() => page.locator('.secret code').textContent()).toMatch(/^whsec_/);
      const card = page.getByRole('listitem').filter({ has: page.getByRole('heading', { name: url }) });
      await expect.poll(() => card.textContent()).toMatch(/Enabled.*Events: \*/);

      await card.getByRole('button', { name: 'Send a test' }).click();
      await receiver.waitFor((r) => r.find((x) => JSON.parse(x.body).type === 'ping'));
      await card.getByRole('button', { name: 'Deliveries' }).click();
      await row(page, 'ping')
        .filter({ has: page.getByRole('cell', { name: 'succeeded' }) })
        .waitFor();
      expect(await seriousViolations(page)).toEqual([]);
      expect(await fitsWidth(page)).toBe(true);

      await card.getByRole('button', { name: 'Disable' }).click();
      await expect.poll(() => card.textContent()).toMatch(/Disabled/);
      await card.getByRole('button', { name: 'Enable' }).click();
      await expect.poll(() => card.textContent()).toMatch(/Enabled/);
      await card.getByRole('button', { name: 'Delete' }).click();
      await page.getByRole('dialog', { name: 'Delete webhook?' }).getByRole('button', { name: 'Delete' }).click();
      await card.waitFor({ state: 'detached' });
      await expect.poll(() => status(page).textContent()).toBe('Webhook deleted successfully');
      expect(errors.filter((e) => !/^400 POST .*\/api\/webhooks\/$/.test(e))).toEqual([]);
    } finally {
      await receiver.close();
    }
  });

  it('are not in the navigation of staff, and say so at their address', async () => {
    const { page } = await under.signedIn('staff');
    const nav = page.getByRole('navigation', { name: 'Main' });
    // The role-dependent links appear once the user's role has loaded.
    await expect.poll(() => nav.getByRole('link').allTextContents()).toEqual(['Customers', 'Contacts', 'Import']);
    for (const [path, what] of [
      ['/users', 'users'],
      ['/webhooks', 'webhooks'],
    ]) {
      await page.goto(`${under.t.url}${path}`);
      await page.getByText(`Only admins can manage ${what}; you are signed in as staff.`).waitFor();
      expect(await page.getByRole('button').allTextContents()).toEqual(['Sign out']);
    }
  });
});
