import { createContact, createCustomer } from '@ccm/server/testing';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { consoleUnderTest, fitsWidth, seriousViolations } from './support/browser.js';

// A viewer reads every page and can change nothing on any of them: no write control, the reason said; axe-core
// finds no serious or critical violation on any page.

const under = consoleUnderTest();

/** The buttons that only move around or show more (reading). */
const READING = /^(Sign out|Previous|Next|History .*|Export CSV)$/;

/** What a viewer could use to change something on the page as it is now. */
async function writeControls(page: Page): Promise<string[]> {
  const buttons = (await page.getByRole('button').allTextContents()).filter((name) => !READING.test(name.trim()));
  const fields = await page.locator('input:not([type="search"]), textarea, form').count();
  const links = await page.getByRole('link', { name: /^(New customer|Edit customer)$/ }).allTextContents();
  return [
    ...buttons.map((b) => `button ${b}`),
    ...links.map((l) => `link ${l}`),
    ...(fields ? [`${fields} fields`] : []),
  ];
}

describe('a viewer', () => {
  it('reads every page, with no control that changes anything, and is told why', async () => {
    const customer = await createCustomer(under.t.staff, { first_name: 'Viewed' });
    await createContact(under.t.staff, customer.id, { email: 'viewed@example.com', is_primary: true });
    await under.t.staff.patch(`/api/customers/${customer.id}/`, { last_name: 'Changed' });
    const { page, errors } = await under.signedIn('viewer');
    const pages: [path: string, ready: string, reason: string][] = [
      ['/', 'Customers', 'Viewers can read everything here but change nothing.'],
      [`/customers/${customer.id}`, 'Viewed Changed', 'Viewers can read everything here but change nothing.'],
      [`/customers/${customer.id}/edit`, 'Edit customer', 'Viewers can read everything here but change nothing.'],
      ['/customers/new', 'New customer', 'Viewers can read everything here but change nothing.'],
      ['/contacts', 'Contacts', ''],
      ['/import', 'Import contacts', 'Viewers can read everything here but change nothing.'],
      ['/users', 'Users', 'Only admins can manage users; you are signed in as viewer.'],
      ['/webhooks', 'Webhooks', 'Only admins can manage webhooks; you are signed in as viewer.'],
    ];
    for (const [path, ready, reason] of pages) {
      await page.goto(`${under.t.url}${path}`);
      await page.getByRole('heading', { level: 1, name: ready }).waitFor();
      if (reason) await page.getByText(reason).waitFor();
      if (path === `/customers/${customer.id}`) {
        await page.getByRole('button', { name: 'History viewed@example.com' }).click();
        await page
          .getByRole('list', { name: 'History of viewed@example.com' })
          .getByText(/^Created by staff/)
          .waitFor();
        await page
          .getByRole('list', { name: 'Customer history' })
          .getByText('Last name: Last', { exact: false })
          .waitFor();
      }
      expect(await writeControls(page), path).toEqual([]);
      expect(await seriousViolations(page), path).toEqual([]);
      expect(await fitsWidth(page), path).toBe(true);
    }
    expect(await page.getByRole('navigation', { name: 'Main' }).getByRole('link').allTextContents()).toEqual([
      'Customers',
      'Contacts',
    ]);
    expect(errors).toEqual([]);
  });
});
