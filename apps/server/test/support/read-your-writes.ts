import { contactBody, customerBody } from './factories.js';

/*
 * Read-your-writes rounds (issue 18): a write, then at once the read that must show it, through any client. A
 * round answers what went wrong (a stale or missing answer, an error), or undefined. Used against a private
 * primary with a lagging streaming replica by replica-consistency.test.ts (REST, tRPC) and by the SDK's tests.
 */

// biome-ignore lint/suspicious/noExplicitAny: the operations' data, read by the checks below.
export type Data = any;

/**
 * One client's way to call an operation by its name (`contacts.get`) with its whole input (path ids, query and body
 * together, as tRPC takes it): the status and the data, an error status instead of throwing.
 */
export type Caller = (name: string, input: Record<string, unknown>) => Promise<{ status: number; data: Data }>;

export const SCENARIOS = ['create', 'update', 'setPrimary', 'bulk', 'toggle'] as const;
export type Scenario = (typeof SCENARIOS)[number];

async function ok(call: Caller, name: string, input: Record<string, unknown>): Promise<Data> {
  const { status, data } = await call(name, input);
  if (status >= 300) throw new Error(`${name} answered ${status}`);
  return data;
}

const contactIn = (call: Caller, customer: number, extra: Record<string, unknown> = {}) =>
  ok(call, 'contacts.create', contactBody(customer, extra));

/** Each scenario: its writes, then the read that must show the last of them; a problem's description, or none. */
const checks: Record<Scenario, (call: Caller, customer: number) => Promise<string | undefined>> = {
  async create(call, customer) {
    const created = await contactIn(call, customer);
    const read = await call('contacts.get', { id: created.id });
    if (read.status !== 200) return `create then get: ${read.status}`;
    return read.data.email === created.email ? undefined : `create then get: email ${read.data.email}`;
  },
  async update(call, customer) {
    const created = await contactIn(call, customer);
    const email = `moved-${created.email}`;
    await ok(call, 'contacts.patch', { id: created.id, email });
    const read = await call('contacts.get', { id: created.id });
    return read.status === 200 && read.data.email === email
      ? undefined
      : `update then get: ${read.status} ${read.data?.email}`;
  },
  async setPrimary(call, customer) {
    const first = await contactIn(call, customer, { is_primary: true });
    const second = await contactIn(call, customer);
    await ok(call, 'contacts.setPrimary', { id: second.id });
    const read = await call('customers.contacts', { id: customer });
    const primary = (read.data?.contacts ?? []).filter((c: Data) => c.is_primary).map((c: Data) => c.id);
    return primary.length === 1 && primary[0] === second.id && read.data.contacts.length === 2
      ? undefined
      : `set-primary then the customer's contacts: primary ${primary} (of ${first.id}, ${second.id})`;
  },
  async bulk(call, customer) {
    const old = await contactIn(call, customer, { is_primary: true });
    const items = [contactBody(customer, { is_primary: true }), contactBody(customer), contactBody(customer)];
    const made = await ok(call, 'contacts.bulkCreate', { contacts: items });
    const list = await call('contacts.list', { customer_id: customer, page_size: 50 });
    const results: Data[] = list.data?.results ?? [];
    const primary = results.filter((c) => c.is_primary).map((c) => c.id);
    return results.length === 4 && primary.length === 1 && primary[0] === made.created_contacts[0].id
      ? undefined
      : `bulk then list: ${results.length} contacts, primary ${primary} (old ${old.id})`;
  },
  async toggle(call, customer) {
    const created = await contactIn(call, customer);
    await ok(call, 'contacts.toggleStatus', { id: created.id });
    const read = await call('contacts.get', { id: created.id });
    return read.status === 200 && read.data.is_active === false
      ? undefined
      : `toggle then get: ${read.data?.is_active}`;
  },
};

/** One round: a new customer, then the scenario; an error counts as a problem too. */
export async function round(call: Caller, scenario: Scenario): Promise<string | undefined> {
  try {
    const customer = await ok(call, 'customers.create', customerBody());
    return await checks[scenario](call, customer.id);
  } catch (err) {
    return `${scenario}: ${(err as Error).message}`;
  }
}

/** Runs `count` tasks, `concurrency` at a time; answers the problems they reported. */
export async function concurrently(
  count: number,
  concurrency: number,
  task: (i: number) => Promise<string | undefined>,
): Promise<string[]> {
  const problems: string[] = [];
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const problem = await task(next++);
      if (problem) problems.push(problem);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return problems;
}
