/**
 * Read replicas (issue 18) through the SDK: one client, REST and tRPC, against a server on a private PostgreSQL
 * primary that reads from a streaming replica 200 ms behind. The client sends back the newest consistency token
 * of its session by itself, and many rounds share it at once: no read misses or goes back on the write before it.
 */
import { routeEntries } from '@ccm/contract';
import {
  type Caller,
  canReplicate,
  concurrently,
  type ReplicatedServer,
  round,
  SCENARIOS,
  startReplicatedServer,
} from '@ccm/server/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConsistencyTokens } from '../src/consistency.js';
import { CcmApiError, type CcmClient, createClient } from '../src/index.js';
import { createTrpcClient, isTrpcError } from '../src/trpc.js';
import { PASSWORDS } from './support.js';

const ROUNDS = Number(process.env.TEST_REPLICA_ROUNDS ?? 20);
const routes = new Map(routeEntries().map((e) => [e.name, e.route]));

let r: ReplicatedServer;
let ccm: CcmClient;

beforeAll(async () => {
  if (!canReplicate()) return;
  // With READ_YOUR_WRITES_WINDOW_MS, every read of a user who just wrote and sent no token goes to the primary:
  // reads the replica serves here are the ones whose token it had replayed.
  r = await startReplicatedServer(200, { REPLICA_WAIT_MS: '1000', REPLICA_POLL_MS: '20' });
  ccm = createClient({ baseUrl: r.t.url });
  await ccm.login('staff', PASSWORDS.staff);
}, 60_000);
afterAll(() => r?.close());

/** Through the SDK's REST client: the raw client, which answers every status (same session, same tokens). */
const restCaller: Caller = async (name, input) => {
  const route = routes.get(name)!;
  const rest: Record<string, unknown> = { ...input };
  const params: Record<string, string> = {};
  for (const [, key] of route.path.matchAll(/:(\w+)/g) as Iterable<[string, string]>) {
    params[key] = String(rest[key]);
    delete rest[key];
  }
  const [group, method] = name.split('.') as [string, string];
  // biome-ignore lint/suspicious/noExplicitAny: a route of the raw client by its name.
  const call = (ccm.raw as any)[group][method];
  const args = { params, ...(route.method === 'GET' ? { query: rest } : { body: rest }) };
  const { status, body } = await call(args);
  return { status, data: body?.data };
};

/** Through the SDK's tRPC client, sharing the REST client's session (and its tokens). */
function trpcCaller(): Caller {
  const trpc = createTrpcClient({ client: ccm });
  return async (name, input) => {
    const [group, method] = name.split('.') as [string, string];
    // biome-ignore lint/suspicious/noExplicitAny: a procedure by its name.
    const procedure = (trpc as any)[group][method];
    try {
      const data = await (routes.get(name)!.method === 'GET' ? procedure.query(input) : procedure.mutate(input));
      return { status: 200, data };
    } catch (error) {
      if (isTrpcError(error)) return { status: error.data?.httpStatus ?? 500, data: undefined };
      if (CcmApiError.is(error)) return { status: error.status, data: undefined };
      throw error;
    }
  };
}

describe.runIf(canReplicate())('the SDK reads its own writes from read replicas', () => {
  it(`${ROUNDS} rounds of each scenario, REST and tRPC, sharing one session at once`, async () => {
    const before = await r.replicaReads();
    const callers = { REST: restCaller, tRPC: trpcCaller() };
    const kinds = Object.entries(callers).flatMap(([client, call]) => SCENARIOS.map((s) => ({ client, call, s })));
    const problems = await concurrently(kinds.length * ROUNDS, 20, async (i) => {
      const { client, call, s } = kinds[i % kinds.length]!;
      const problem = await round(call, s);
      return problem && `${client}: ${problem}`;
    });
    expect(problems).toEqual([]);
    // Served by the replica: only reads that sent a token it had reached (the client sends them by itself).
    expect(await r.replicaReads()).toBeGreaterThan(before);
  }, 120_000);
});

describe('the session keeps the newest consistency token', () => {
  it('an older answer arriving last does not replace a newer token; a newer one does', () => {
    const tokens = new ConsistencyTokens();
    tokens.keep('1.0-16B374D848.older-signature-aaaaaaaaa');
    tokens.keep('1.0-16B374D9A0.newer-signature-bbbbbbbbb');
    tokens.keep('1.0-16B374D848.older-signature-aaaaaaaaa');
    expect(tokens.current()).toBe('1.0-16B374D9A0.newer-signature-bbbbbbbbb');
    tokens.keep(null);
    expect(tokens.current()).toBe('1.0-16B374D9A0.newer-signature-bbbbbbbbb');
    // MariaDB's positions have a sequence per replication domain: one ahead in another domain is taken.
    tokens.keep('1.0-16B374D9A0_1-5.both-domains-cccccccccccc');
    expect(tokens.current()).toBe('1.0-16B374D9A0_1-5.both-domains-cccccccccccc');
  });
});
