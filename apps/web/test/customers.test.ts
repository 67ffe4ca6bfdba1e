import { createCustomer } from '@ccm/server/testing';
import { describe, expect, it } from 'vitest';
import { consoleUnderTest, seriousViolations } from './support/browser.js';

// The customers list: search, the active and verified filters, the orderings, keyset pages, a row to its page.

const under = consoleUnderTest();

describe('the customers page', () => {
  it('searches, filters, orders and pages the customers, and opens one', async () => {
    // 25 customers named alike: every third verified, every fifth inactive.
    await Promise.all(
      Array.from({ length: 25 }, (_, i) =>
        createCustomer(under.t.staff, {
          username: `sortie${String(i).padStart(2, '0')}`,
          first_name: 'Sortie',
          is_verified: i % 3 === 0,
          is_active: i % 5 !== 0,
        }),
      ),
    );
    const { page, errors } = await under.signedIn('staff');
    const rows = page.getByRole('row');
    const caption = page.locator('caption');
    await page.getByLabel('Search').fill('Sortie');
    await expect.poll(() => caption.textContent()).toBe('25 customers');
    expect(await rows.count()).toBe(21);
    await page.getByRole('button', { name: 'Next' }).click();
    await expect.poll(() => rows.count()).toBe(6);
    await page.getByRole('button', { name: 'Previous' }).click();
    await expect.poll(() => rows.count()).toBe(21);

    await page.getByLabel('Verified').selectOption('yes');
    await expect.poll(() => caption.textContent()).toBe('9 customers');
    await page.getByLabel('Active').selectOption('no');
    await expect.poll(() => caption.textContent()).toBe('2 customers');
    await page.getByLabel('Verified').selectOption('any');
    await page.getByLabel('Active').selectOption('any');

    const usernames = () => page.locator('tbody tr td:nth-child(3)').allTextContents();
    await page.getByLabel('Order').selectOption({ label: 'Username, A to Z' });
    await expect.poll(async () => (await usernames())[0]).toBe('sortie00');
    await page.getByLabel('Order').selectOption({ label: 'Username, Z to A' });
    await expect.poll(async () => (await usernames())[0]).toBe('sortie24');
    expect(await seriousViolations(page)).toEqual([]);

    const name = page.locator('tbody tr').first().getByRole('link');
    const full = await name.textContent();
    await name.click();
    await page.getByRole('heading', { level: 1, name: full! }).waitFor();
    await page.getByRole('definition').filter({ hasText: 'sortie24' }).waitFor();
    expect(errors).toEqual([]);
  });
});
