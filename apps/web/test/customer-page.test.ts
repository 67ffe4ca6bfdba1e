import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { consoleUnderTest, fitsWidth, markDocument, seriousViolations, stillSameDocument } from './support/browser.js';

// A customer's page as staff: made in the console, its contacts added and changed, deleted after a confirmation,
// the customer edited, the history read; every change made in place (no reload) and announced.

const under = consoleUnderTest();

const fill = async (page: Page, values: Record<string, string>, scope = page.locator('body')) => {
  for (const [label, value] of Object.entries(values)) await scope.getByLabel(label, { exact: true }).fill(value);
};
const status = (page: Page) => page.getByRole('status');
const card = (page: Page, email: string) =>
  page.getByRole('listitem').filter({ has: page.getByRole('heading', { name: email }) });
const headings = (page: Page) =>
  page.getByRole('list', { name: 'Contacts' }).getByRole('heading', { level: 3 }).allTextContents();

async function addContact(page: Page, email: string, wa: string, tp: string) {
  const form = page.getByRole('form', { name: 'Add contact' });
  await fill(page, { 'E-mail': email, 'WhatsApp number': wa, 'Telephone number': tp }, form);
  await form.getByRole('button', { name: 'Add contact' }).click();
  await card(page, email).waitFor();
  await expect.poll(() => status(page).textContent()).toBe('Customer contact created successfully');
}

describe("a customer's page", () => {
  it('is made, gets three contacts, a primary, a deactivation, a deletion, an edit and a history', async () => {
    const { page, errors } = await under.signedIn('staff');
    await page.getByRole('link', { name: 'New customer' }).click();
    await fill(page, { Username: 'pagecustomer', 'E-mail': 'page@example.com', 'First name': 'Paget' });
    await fill(page, { 'Last name': 'Customer', NIC: '901234567V' });
    await page.getByRole('button', { name: 'Create customer' }).click();
    await page.getByRole('heading', { name: 'Paget Customer' }).waitFor();
    await markDocument(page);

    await addContact(page, 'one@example.com', '0771000001', '0112000001');
    await addContact(page, 'two@example.com', '0771000002', '0112000002');
    await addContact(page, 'three@example.com', '0771000003', '0112000003');
    // The newest first, none primary yet.
    expect(await headings(page)).toEqual(['three@example.com', 'two@example.com', 'one@example.com']);

    await card(page, 'one@example.com').getByRole('button', { name: 'Set primary' }).click();
    await expect.poll(() => status(page).textContent()).toBe('Contact set as primary successfully');
    await expect.poll(() => headings(page)).toEqual(['one@example.com', 'three@example.com', 'two@example.com']);
    await expect.poll(() => card(page, 'one@example.com').textContent()).toMatch(/Primary · Active/);

    await card(page, 'three@example.com').getByRole('button', { name: 'Deactivate' }).click();
    await expect.poll(() => status(page).textContent()).toBe('Contact deactivated successfully');
    await expect.poll(() => card(page, 'three@example.com').textContent()).toMatch(/Inactive/);
    await card(page, 'three@example.com').getByRole('button', { name: 'Activate' }).waitFor();

    await deleteWithConfirmation(page, 'two@example.com');
    await editAContact(page);
    await editTheCustomer(page);
    await readTheHistory(page);
    expect(await stillSameDocument(page)).toBe(true);
    // The refused number of the contact's edit was expected; nothing else failed.
    expect(errors.filter((e) => !/^400 PATCH .*\/api\/contacts\/\d+\/$/.test(e))).toEqual([]);
  });

  it('shows a stale edit as changed by someone else, and reloads the customer to edit it again', async () => {
    const { page, errors } = await under.signedIn('staff');
    const made = await under.t.staff.post('/api/customers/', {
      username: 'staleone',
      email: 'stale@example.com',
      first_name: 'Stale',
      last_name: 'Before',
      nic: '911234567V',
    });
    await page.goto(`${under.t.url}/customers/${made.body.data.id}/edit`);
    await page.getByLabel('Last name', { exact: true }).fill('Mine');
    // Someone else saves the customer behind the page's back.
    const theirs = await under.t.admin.patch(`/api/customers/${made.body.data.id}/`, { last_name: 'Theirs' });
    expect(theirs.status).toBe(200);
    await page.getByRole('button', { name: 'Save customer' }).click();
    const alert = page.getByRole('alert');
    await expect.poll(() => alert.textContent()).toMatch(/changed by someone else/);
    expect(await page.getByLabel('Last name', { exact: true }).inputValue()).toBe('Mine');
    await alert.getByRole('button', { name: 'Reload' }).click();
    await expect.poll(() => page.getByLabel('Last name', { exact: true }).inputValue()).toBe('Theirs');
    await page.getByLabel('Last name', { exact: true }).fill('Mine');
    await page.getByRole('button', { name: 'Save customer' }).click();
    await page.getByRole('heading', { name: 'Stale Mine' }).waitFor();
    expect(errors.filter((e) => !/^412 PUT /.test(e))).toEqual([]);
    expect(errors.filter((e) => /^412 PUT /.test(e))).toHaveLength(1);
  });

  it("shows a stale contact action as changed by someone else, and reloads the customer's contacts", async () => {
    const { page } = await under.signedIn('staff');
    const made = await under.t.staff.post('/api/customers/', {
      username: 'stalecontacts',
      email: 'stalecontacts@example.com',
      first_name: 'Contact',
      last_name: 'Race',
      nic: '921234567V',
    });
    const id = made.body.data.id;
    const body = { customer: id, email: 'race@example.com', wa_number: '0771000009', tp_number: '0112000009' };
    const contact = (await under.t.staff.post('/api/contacts/', body)).body.data;
    await page.goto(`${under.t.url}/customers/${id}`);
    await card(page, 'race@example.com').waitFor();
    await under.t.admin.post(`/api/contacts/${contact.id}/toggle-status/`, {});
    await card(page, 'race@example.com').getByRole('button', { name: 'Deactivate' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/changed by someone else/);
    await page.getByRole('alert').getByRole('button', { name: 'Reload' }).click();
    await card(page, 'race@example.com').getByRole('button', { name: 'Activate' }).waitFor();
  });
});

/** Delete asks first, in a dialog that takes focus and that Escape cancels; then the contact goes. */
async function deleteWithConfirmation(page: Page, email: string) {
  await card(page, email).getByRole('button', { name: 'Delete' }).click();
  const dialog = page.getByRole('dialog', { name: 'Delete contact?' });
  await dialog.waitFor();
  expect(await page.evaluate(() => document.activeElement?.closest('dialog') !== null)).toBe(true);
  expect(await seriousViolations(page)).toEqual([]);
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'hidden' });
  await card(page, email).waitFor();
  // Focus is back on the button that opened the dialog.
  expect(await page.evaluate(() => document.activeElement?.textContent)).toMatch(/^Delete/);
  await card(page, email).getByRole('button', { name: 'Delete' }).click();
  await dialog.getByRole('button', { name: 'Delete' }).click();
  await card(page, email).waitFor({ state: 'detached' });
  await expect.poll(() => status(page).textContent()).toBe('Contact deleted successfully');
  expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Contacts');
}

/** A contact's edit form shows the server's message next to the field, then saves. */
async function editAContact(page: Page) {
  await card(page, 'three@example.com').getByRole('button', { name: 'Edit' }).click();
  const form = page.getByRole('form', { name: 'Edit three@example.com' });
  const wa = form.getByLabel('WhatsApp number', { exact: true });
  expect(await page.evaluate(() => document.activeElement?.getAttribute('name'))).toBe('email');
  await wa.fill('123');
  await form.getByRole('button', { name: 'Save contact' }).click();
  await expect.poll(() => wa.getAttribute('aria-invalid')).toBe('true');
  expect(await page.locator(`[id="${await wa.getAttribute('aria-describedby')}"]`).textContent()).toMatch(/\S/);
  expect(await seriousViolations(page)).toEqual([]);
  await form.getByLabel('E-mail', { exact: true }).fill('third@example.com');
  await wa.fill('0771000033');
  await form.getByRole('button', { name: 'Save contact' }).click();
  await card(page, 'third@example.com').waitFor();
  await expect.poll(() => status(page).textContent()).toBe('Contact updated successfully');
}

async function editTheCustomer(page: Page) {
  await page.getByRole('link', { name: 'Edit customer' }).click();
  await page.getByRole('heading', { name: 'Edit customer' }).waitFor();
  expect(await page.getByLabel('Username', { exact: true }).inputValue()).toBe('pagecustomer');
  expect(await seriousViolations(page)).toEqual([]);
  await page.getByLabel('Last name', { exact: true }).fill('Edited');
  await page.getByLabel('Verified').check();
  await page.getByRole('button', { name: 'Save customer' }).click();
  await page.getByRole('heading', { name: 'Paget Edited' }).waitFor();
  await expect.poll(() => status(page).textContent()).toBe('Customer updated successfully');
}

/** The customer's timeline and a contact's: who, which fields from what to what. */
async function readTheHistory(page: Page) {
  const customerHistory = page.getByRole('list', { name: 'Customer history' });
  await expect.poll(() => customerHistory.getByRole('listitem').first().textContent()).toMatch(/^Updated by staff/);
  const latest = await customerHistory.locator(':scope > li').first().textContent();
  expect(latest).toMatch(/Last name: Customer → Edited/);
  expect(latest).toMatch(/Verified: No → Yes/);
  expect(await customerHistory.locator(':scope > li').last().textContent()).toMatch(/^Created by staff/);
  await card(page, 'third@example.com').getByRole('button', { name: 'History' }).click();
  const contactHistory = page.getByRole('list', { name: 'History of third@example.com' });
  await contactHistory.locator(':scope > li').nth(2).waitFor();
  expect(await fitsWidth(page)).toBe(true);
  const entries = await contactHistory.locator(':scope > li').allTextContents();
  expect(entries[0]).toMatch(/^Updated by staff.*E-mail: three@example.com → third@example.com/);
  expect(entries[1]).toMatch(/^Deactivated by staff/);
  expect(entries.at(-1)).toMatch(/^Created by staff/);
  expect(await seriousViolations(page)).toEqual([]);
}
