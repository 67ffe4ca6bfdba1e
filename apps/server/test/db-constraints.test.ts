import { type Sequelize, UniqueConstraintError } from 'sequelize';
import { describe, expect, it } from 'vitest';
import { sqlNow } from './support/database.js';
import { createContact, createCustomer } from './support/factories.js';
import { test } from './support/fixture.js';
import type { TestServer } from './support/server.js';

// Writes that go around the service, straight to the database: the database itself must refuse a second
// primary contact or a duplicate value, on every dialect.

let t: TestServer;
let raw: Sequelize;
test.beforeAll(({ server, raw: connection }) => {
  t = server;
  raw = connection;
});

async function insertContact(values: {
  customer: number;
  email: string;
  wa: string;
  tp: string;
  primary: boolean;
}): Promise<void> {
  await raw.query(
    `INSERT INTO contacts (customer_id, email, wa_number, tp_number, is_primary, is_active, created_at, updated_at)
     VALUES (:customer, :email, :wa, :tp, :primary, :active, :now, :now)`,
    { replacements: { ...values, active: true, now: sqlNow() } },
  );
}

const contactsOf = async (customer: number) =>
  (await t.staff.get(`/api/customers/${customer}/contacts/`)).body.data.contacts as { is_primary: boolean }[];

describe('the database holds the invariants', () => {
  it('refuses a second primary contact for one customer', async () => {
    const customer = await createCustomer(t.staff);
    await createContact(t.staff, customer.id, { is_primary: true });
    await expect(
      insertContact({
        customer: customer.id,
        email: 'raw1@example.com',
        wa: '+94770000001',
        tp: '+94112000001',
        primary: true,
      }),
    ).rejects.toBeInstanceOf(UniqueConstraintError);
    const contacts = await contactsOf(customer.id);
    expect(contacts).toHaveLength(1);
    expect(contacts.filter((c) => c.is_primary)).toHaveLength(1);
  });

  it('allows any number of non-primary contacts', async () => {
    const customer = await createCustomer(t.staff);
    await createContact(t.staff, customer.id, { is_primary: true });
    await insertContact({
      customer: customer.id,
      email: 'np1@example.com',
      wa: '+94770000011',
      tp: '+94112000011',
      primary: false,
    });
    await insertContact({
      customer: customer.id,
      email: 'np2@example.com',
      wa: '+94770000012',
      tp: '+94112000012',
      primary: false,
    });
    expect(await contactsOf(customer.id)).toHaveLength(3);
  });

  it('refuses a duplicate e-mail, WhatsApp or telephone number within one customer', async () => {
    const customer = await createCustomer(t.staff);
    const c = await createContact(t.staff, customer.id);
    const base = {
      customer: customer.id,
      email: 'fresh@example.com',
      wa: '+94770000021',
      tp: '+94112000021',
      primary: false,
    };
    await expect(insertContact({ ...base, email: c.email })).rejects.toBeInstanceOf(UniqueConstraintError);
    await expect(insertContact({ ...base, wa: c.wa_number })).rejects.toBeInstanceOf(UniqueConstraintError);
    await expect(insertContact({ ...base, tp: c.tp_number })).rejects.toBeInstanceOf(UniqueConstraintError);
    expect(await contactsOf(customer.id)).toHaveLength(1);
  });

  it('refuses duplicate customer usernames, e-mails, NICs and customer codes', async () => {
    const a = await createCustomer(t.staff);
    const insert = (v: Record<string, string>) =>
      raw.query(
        `INSERT INTO customers (customer_id, username, email, first_name, last_name, nic, is_verified, is_active, created_at, updated_at)
         VALUES (:code, :username, :email, 'R', 'Aw', :nic, :f, :tr, :now, :now)`,
        {
          replacements: {
            code: 'CUST900001',
            username: 'rawuser',
            email: 'rawuser@example.com',
            nic: '900000001V',
            f: false,
            tr: true,
            now: sqlNow(),
            ...v,
          },
        },
      );
    await expect(insert({ username: a.username })).rejects.toBeInstanceOf(UniqueConstraintError);
    await expect(insert({ email: a.email })).rejects.toBeInstanceOf(UniqueConstraintError);
    await expect(insert({ nic: a.nic })).rejects.toBeInstanceOf(UniqueConstraintError);
    await expect(insert({ code: a.customer_id })).rejects.toBeInstanceOf(UniqueConstraintError);
  });

  it('deleting a customer deletes its contacts (foreign key cascade)', async () => {
    const customer = await createCustomer(t.staff);
    const contact = await createContact(t.staff, customer.id);
    await raw.query('DELETE FROM customers WHERE id = :id', { replacements: { id: customer.id } });
    expect((await t.staff.get(`/api/contacts/${contact.id}/`)).status).toBe(404);
  });
});
