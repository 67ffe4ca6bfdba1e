import { SEARCH_COUNT_LIMIT } from '@ccm/sdk';
import { contactBody, createContact, createCustomer } from '@ccm/server/testing';
import { describe, expect, it } from 'vitest';
import { consoleUnderTest, PASSWORDS, seriousViolations, signIn } from './support/browser.js';

// Signing in and out, the customers list, the new-customer form, the contacts list (support/browser.ts: the server
// and Chromium this file shares).

const under = consoleUnderTest();
const newPage = () => under.newTab();

describe('the console', () => {
  it('is served at / with no inline script, under the server Content-Security-Policy', async () => {
    const res = await fetch(`${under.t.url}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toMatch(/script-src 'self'/);
    const html = await res.text();
    expect(html).toMatch(/<div id="root">/);
    expect([...html.matchAll(/<script[^>]*>([\s\S]*?)<\/script>/g)].every((m) => m[1]!.trim() === '')).toBe(true);
  });

  it('signs in, lists and searches the customers, and signs out', async () => {
    const customer = await createCustomer(under.t.staff, { first_name: 'Consolina' });
    const { page, errors } = await newPage();
    await page.goto(`${under.t.url}/`);
    await expect.poll(() => page.url()).toMatch(/\/sign-in$/);
    expect(await seriousViolations(page)).toEqual([]);
    await signIn(page, under.t.url, 'staff', PASSWORDS.staff);
    await page.getByRole('heading', { name: 'Customers' }).waitFor();
    await page.getByRole('cell', { name: customer.username, exact: true }).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await page.getByLabel('Search').fill('Consolina');
    // The header row and the one match (the page before the search showed others).
    await expect.poll(() => page.getByRole('row').count()).toBe(2);
    await page.getByRole('cell', { name: customer.username, exact: true }).waitFor();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await page.goto(`${under.t.url}/`);
    await expect.poll(() => page.url()).toMatch(/\/sign-in$/);
    expect(errors).toEqual([]);
  });

  it("creates a customer, showing the server's message for a field next to it", async () => {
    const { page, errors } = await newPage();
    await signIn(page, under.t.url, 'staff', PASSWORDS.staff);
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
    // The new customer's page, with the server's message.
    await page.getByRole('heading', { name: 'Form Filled' }).waitFor();
    await expect.poll(() => page.getByRole('status').textContent()).toMatch(/created/i);
    // The 400 of the first try was expected; nothing else failed.
    expect(errors.filter((e) => !/^400 POST .*\/api\/customers\/$/.test(e))).toEqual([]);
    expect(await seriousViolations(page)).toEqual([]);
  });

  it('lists the contacts under their statistics, searched and filtered', async () => {
    const customer = await createCustomer(under.t.staff, { first_name: 'Statista' });
    const kept = await createContact(under.t.staff, customer.id, {
      email: 'statista.one@example.com',
      is_primary: true,
    });
    await createContact(under.t.staff, customer.id, { email: 'statista.two@example.com', is_active: false });
    const stats = (await under.t.staff.get('/api/contacts/stats/')).body.data;
    const { page, errors } = await newPage();
    await signIn(page, under.t.url, 'viewer', PASSWORDS.viewer);
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

  // A search's count stops at SEARCH_COUNT_LIMIT (docs/api.md): the caption says "or more" there, not an exact total.
  it('says a search has that many contacts or more where its count stops', async () => {
    const customer = await createCustomer(under.t.staff, { first_name: 'Plentiful' });
    for (let from = 0; from <= SEARCH_COUNT_LIMIT; from += 1000) {
      const size = Math.min(1000, SEARCH_COUNT_LIMIT + 1 - from);
      const contacts = Array.from({ length: size }, (_, i) =>
        contactBody(customer.id, { email: `plentiful.${from + i}@example.com` }),
      );
      const res = await under.t.staff.post('/api/contacts/bulk-create/', { contacts });
      expect(res.status, res.text).toBe(201);
    }
    const { page, errors } = await newPage();
    await signIn(page, under.t.url, 'viewer', PASSWORDS.viewer);
    await page.getByRole('link', { name: 'Contacts' }).click();
    await page.getByLabel('Search').fill('plentiful.');
    const caption = page.getByRole('region', { name: 'Contacts table' }).locator('caption');
    await expect.poll(() => caption.textContent()).toBe(`${SEARCH_COUNT_LIMIT.toLocaleString()}+ contacts`);
    await page.getByLabel('Search').fill('plentiful.1000@');
    await expect.poll(() => caption.textContent()).toMatch(/^1 contacts?$/);
    expect(errors).toEqual([]);
  });

  it('shows a viewer no write control, and says why', async () => {
    const { page } = await newPage();
    await signIn(page, under.t.url, 'viewer', PASSWORDS.viewer);
    await page.getByText('Viewers can read everything here but change nothing.').waitFor();
    expect(await page.getByRole('link', { name: 'New customer' }).count()).toBe(0);
  });

  it("shows the server's message for a wrong password", async () => {
    const { page } = await newPage();
    await signIn(page, under.t.url, 'staff', 'not-the-password');
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/\S/);
    expect(page.url()).toMatch(/\/sign-in$/);
  });
});
