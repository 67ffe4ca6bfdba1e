import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Adapter, operations } from './support/adapters.js';
import { contactBody, createContact, createCustomer, customerBody } from './support/factories.js';
import { type Caller, concurrently, round, SCENARIOS } from './support/read-your-writes.js';
import { canReplicate, type ReplicatedServer, startReplicatedServer } from './support/replicated.js';
import type { TestServer } from './support/server.js';

// Issue 18: a private PostgreSQL primary and a streaming replica of it that applies each commit 200 ms late, as a
// replica over a real network does. Every write, then at once the read that must show it, through REST and tRPC,
// with the write's X-Consistency-Token and without one (a second server process then answers the reads: the
// user's last write reaches it through Redis). Zero stale or missing answers; the replica does serve reads; then it
// is stopped under load and the reads go on from the primary. The SDK's own rounds: packages/sdk/test/replicas.test.ts.

// Rounds of each scenario per client: 20 in the suite (100 per client; about 15 s), the 100 by hand with
// TEST_REPLICA_ROUNDS=100 (docs/testing.md).
const ROUNDS = Number(process.env.TEST_REPLICA_ROUNDS ?? 20);
const CONCURRENCY = 25;
const APPLY_DELAY_MS = 200;
const WINDOW_MS = 1000;

let r: ReplicatedServer & { others: TestServer[] };

beforeAll(async () => {
  if (!canReplicate()) return;
  // Reads with a token wait up to a second for the replica (it is 200 ms behind); a separate key prefix in Redis.
  r = await startReplicatedServer(
    APPLY_DELAY_MS,
    {
      REPLICA_WAIT_MS: '1000',
      REPLICA_POLL_MS: '20',
      READ_YOUR_WRITES_WINDOW_MS: String(WINDOW_MS),
      REDIS_URL: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
      REDIS_KEY_PREFIX: `ccm-test-${process.pid}-${Date.now()}`,
    },
    2,
  );
}, 60_000);
afterAll(() => r?.close());

/** Calls through one adapter as the staff user; `token`: sends back the latest consistency token of this round. */
function caller(adapter: Adapter, { token, readsOn }: { token: boolean; readsOn?: TestServer }): Caller {
  // Only the token of this round, if any: not the one the test's other clients share (support/consistency.ts).
  const writes = operations(r.t.url, r.t.staff.token, { shareTokens: false });
  const reads = operations((readsOn ?? r.t).url, r.t.staff.token, { shareTokens: false });
  let latest: string | undefined;
  return async (name, input) => {
    const read = /\.(get|list|contacts)$/.test(name);
    const headers: Record<string, string> = token && latest ? { 'x-consistency-token': latest } : {};
    const answer = await (read ? reads : writes).call(adapter, name, input, headers);
    latest = answer.headers.get('x-consistency-token') ?? latest;
    return { status: answer.status, data: answer.data };
  };
}

const CLIENTS = {
  'REST with the token': () => caller('rest', { token: true }),
  'tRPC with the token': () => caller('trpc', { token: true }),
  'REST without a token, reads on another server process': () => caller('rest', { token: false, readsOn: r.others[0] }),
  'tRPC without a token, reads on another server process': () => caller('trpc', { token: false, readsOn: r.others[0] }),
};

describe.runIf(canReplicate())('read replicas a client can trust (a replica 200 ms behind)', () => {
  it(`${ROUNDS} rounds of each scenario through each client: no stale or missing answer`, async () => {
    const before = await r.replicaReads();
    const kinds = Object.entries(CLIENTS).flatMap(([client, make]) => SCENARIOS.map((s) => ({ client, make, s })));
    const problems = await concurrently(kinds.length * ROUNDS, CONCURRENCY, async (i) => {
      const { client, make, s } = kinds[i % kinds.length]!;
      const problem = await round(make(), s);
      return problem && `${client}: ${problem}`;
    });
    expect(problems).toEqual([]);
    // The tokens' reads waited for the replica rather than all going to the primary.
    expect(await r.replicaReads()).toBeGreaterThan(before);
  }, 120_000);

  it("a token older than the user's last write, made by another client of theirs, does not make a read stale", async () => {
    const ops = operations(r.t.url, r.t.staff.token, { shareTokens: false });
    const problems = await concurrently(ROUNDS, 10, async () => {
      const customer = await ops.call('rest', 'customers.create', customerBody());
      const created = await ops.call('rest', 'contacts.create', contactBody(customer.data.id));
      const old = created.headers.get('x-consistency-token')!;
      // The replica reaches the old token; then the user changes the contact from elsewhere, token not kept.
      await new Promise((resolve) => setTimeout(resolve, APPLY_DELAY_MS + 100));
      const email = `other-${created.data.email}`;
      await ops.call('rest', 'contacts.patch', { id: created.data.id, email });
      const read = await ops.call('rest', 'contacts.get', { id: created.data.id }, { 'x-consistency-token': old });
      return read.data?.email === email ? undefined : `read ${read.status} ${read.data?.email}`;
    });
    expect(problems).toEqual([]);
  });

  it('a user who did not write reads from the replica, everything older than the window included', async () => {
    const customer = await createCustomer(r.t.staff);
    const contact = await createContact(r.t.staff, customer.id);
    await new Promise((resolve) => setTimeout(resolve, WINDOW_MS + 100));
    // Once the replica has the window's commits (at once, unless the machine is slow), it serves the read.
    const before = await r.replicaReads();
    for (let i = 0; i < 50 && (await r.replicaReads()) === before; i++) {
      const read = await r.t.viewer.get(`/api/contacts/${contact.id}/`);
      expect(read.status).toBe(200);
      expect(read.body.data.email).toBe(contact.email);
      if ((await r.replicaReads()) === before) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(await r.replicaReads()).toBeGreaterThan(before);
  });

  it('the replica stopped under load: every read goes on, from the primary, and the server stays ready', async () => {
    const customer = await createCustomer(r.t.staff);
    const contact = await createContact(r.t.staff, customer.id);
    await new Promise((resolve) => setTimeout(resolve, WINDOW_MS + 100));
    const failures: string[] = [];
    let reads = 0;
    const until = Date.now() + 2500;
    const load = async () => {
      while (Date.now() < until) {
        const read = await r.t.viewer.get(`/api/contacts/${contact.id}/`);
        reads += 1;
        if (read.status !== 200 || read.body.data.email !== contact.email) failures.push(`${read.status} ${read.text}`);
      }
    };
    const stop = async () => {
      await new Promise((resolve) => setTimeout(resolve, 500));
      await r.replica.stop();
    };
    await Promise.all([stop(), ...Array.from({ length: 10 }, load)]);
    expect(reads).toBeGreaterThan(100);
    expect(failures).toEqual([]);
    const ready = await r.t.anon.get('/api/ready/');
    expect(ready.status).toBe(200);
    expect(ready.body.data.replicas[0].state).toBe('down');
    expect((await r.t.anon.get('/metrics')).text).toMatch(/^ccm_replica_up\{[^}]*\} 0$/m);
  }, 30_000);
});
