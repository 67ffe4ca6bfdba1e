import { customerCode, type SeedContact, type SeedCustomer, type Store } from './db/index.js';

/** The largest seed: every contact gets a WhatsApp and a telephone number of its own (see `contactNumbers`). */
export const MAX_SEED_CONTACTS = 5_000_000;

const FIRST = ['Amal', 'Nimali', 'Kasun', 'Dilani', 'Ruwan', 'Sachini', 'Tharindu', 'Ishara', 'Chamara', 'Nadeesha'];
const LAST = ['Perera', 'Fernando', 'Silva', 'Jayasinghe', 'Bandara', 'Wickramasinghe', 'Gunawardena', 'Rathnayake'];
const TOWNS = ['Colombo', 'Kandy', 'Galle', 'Negombo', 'Jaffna', 'Matara', 'Kurunegala', 'Ratnapura'];
/** Colombo landline prefixes that are valid numbers with 6 more digits (+9411 8xx… and others are not). */
const LANDLINE = ['+94112', '+94113', '+94114', '+94115', '+94117'];

/** Customers, then their contacts, per transaction. */
const CUSTOMERS_PER_BATCH = 2_000;
const DAY = 24 * 60 * 60 * 1000;

/** A small deterministic PRNG (mulberry32): the same size always gives the same data. */
function random(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');

/**
 * The numbers of the contact with 0-based index `j`, unique across the whole seed: mobile `+9477` and 7
 * digits, landline one of the Colombo prefixes and 6 digits. Writes made later (the benchmark's) can use
 * other mobile prefixes (+9470, +9471, +9472, +9475, +9476, +9478) without ever clashing with these.
 */
function contactNumbers(j: number) {
  return { waNumber: `+9477${pad(j, 7)}`, tpNumber: `${LANDLINE[Math.floor(j / 1_000_000)]}${pad(j % 1_000_000, 6)}` };
}

/** A seed that cannot run: bad sizes, or a database that is not empty. */
export class SeedError extends Error {}

export interface SeedOptions {
  contacts: number;
  customers: number;
  /** Called after every batch with the rows written so far. */
  progress?: (done: { customers: number; contacts: number }) => void;
}

/**
 * Fills an empty database with valid synthetic data, fast: customers with unique username, e-mail, NIC and
 * code; contacts spread unevenly over them (about 5% of customers have none), each with an e-mail and numbers
 * unique to it; one primary for about 90% of the customers that have contacts; about 10% of contacts and 5%
 * of customers inactive. Customer ids are 1..customers and contact ids 1..contacts.
 */
export async function seed(store: Store, options: SeedOptions): Promise<void> {
  const { contacts, customers } = options;
  if (!Number.isInteger(contacts) || contacts < 0 || contacts > MAX_SEED_CONTACTS) {
    throw new SeedError(`--contacts must be an integer from 0 to ${MAX_SEED_CONTACTS}`);
  }
  if (!Number.isInteger(customers) || customers < 1 || customers > 99_999_999) {
    throw new SeedError('--customers must be a positive integer below 100,000,000');
  }
  const existing = await store.seed.counts();
  if (existing.customers > 0 || existing.contacts > 0) {
    throw new SeedError(
      `The database is not empty (${existing.customers} customers, ${existing.contacts} contacts): seed fills an empty one`,
    );
  }

  // How many contacts each customer gets: uneven weights (5% zero), scaled so that the total is exact.
  const rng = random(contacts * 31 + customers);
  const avg = contacts / customers;
  const weights = new Float64Array(customers);
  let total = 0;
  for (let c = 0; c < customers; c++) {
    const w = rng() < 0.05 ? 0 : 1 + rng() * Math.max(2 * avg - 1, 0);
    weights[c] = w;
    total += w;
  }
  /** The index of the first contact after the customers whose weights add up to `cumulative`. */
  const contactsUpTo = (cumulative: number) => (total === 0 ? 0 : Math.round((contacts * cumulative) / total));

  const start = Date.now() - 360 * DAY;
  const customerStep = (350 * DAY) / customers;
  let cumulative = 0;
  let from = 0;
  let done = { customers: 0, contacts: 0 };

  for (let batchStart = 0; batchStart < customers; batchStart += CUSTOMERS_PER_BATCH) {
    const customerRows: SeedCustomer[] = [];
    const contactRows: SeedContact[] = [];
    for (let c = batchStart; c < Math.min(batchStart + CUSTOMERS_PER_BATCH, customers); c++) {
      const id = c + 1;
      const first = FIRST[c % FIRST.length]!;
      const last = LAST[Math.floor(c / FIRST.length) % LAST.length]!;
      const username = `${first}.${last}.${id}`.toLowerCase();
      const createdAt = new Date(start + c * customerStep);
      const isActive = rng() >= 0.05;
      customerRows.push({
        id,
        customerId: customerCode(id),
        username,
        email: `${username}@example.com`,
        firstName: first,
        lastName: last,
        // Both NIC forms: 9 digits and V, or 12 digits (a birth year and 8 digits); unique by the id.
        nic: id % 2 === 0 ? `${pad(id, 9)}V` : `${1950 + (id % 50)}${pad(id, 8)}`,
        phoneNumber: id % 3 === 0 ? null : `+9471${pad(id % 10_000_000, 7)}`,
        address: id % 4 === 0 ? null : `${id % 500} Main Street, ${TOWNS[id % TOWNS.length]}`,
        isVerified: rng() < 0.6,
        isActive,
        createdAt,
      });

      cumulative += weights[c]!;
      const to = c === customers - 1 ? contacts : contactsUpTo(cumulative);
      const hasPrimary = rng() < 0.9;
      for (let j = from, k = 0; j < to; j++, k++) {
        const isPrimary = hasPrimary && k === 0;
        contactRows.push({
          id: j + 1,
          customerId: id,
          email: `${username}.${k}@example.com`,
          ...contactNumbers(j),
          isPrimary,
          isActive: isPrimary || rng() >= 0.1,
          createdAt: new Date(createdAt.getTime() + (k + 1) * 7 * 60_000),
        });
      }
      from = Math.max(from, to);
    }
    await store.seed.insert(customerRows, contactRows);
    done = { customers: done.customers + customerRows.length, contacts: done.contacts + contactRows.length };
    options.progress?.(done);
  }
  await store.seed.finish();
}
