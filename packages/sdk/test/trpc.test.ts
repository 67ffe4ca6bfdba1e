/**
 * The tRPC client (`@ccm/sdk/trpc`): with a REST client's session (renewal after a 401), retries and time limits,
 * idempotency keys and If-Match, against the real server and a scripted one.
 */
import { TRPCClientError } from '@trpc/client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type CcmClient, CcmTimeoutError, createClient } from '../src/index.js';
import { createTrpcClient, isTrpcError } from '../src/trpc.js';
import { type ScriptedServer, startScriptedServer } from './scripted.js';
import {
  contactBody,
  customerBody,
  PASSWORDS,
  recordingFetch,
  rejection,
  startTestServer,
  type TestServer,
} from './support.js';

let server: TestServer;
let scripted: ScriptedServer;
let ccm: CcmClient;

beforeAll(async () => {
  [server, scripted] = await Promise.all([startTestServer(), startScriptedServer()]);
  ccm = createClient({ baseUrl: server.url });
  await ccm.login('admin', PASSWORDS.admin);
});
afterAll(async () => {
  await Promise.all([server?.close(), scripted?.close()]);
});
afterEach(() => scripted.reset());

/** A tRPC success answer, and a tRPC error answer with its HTTP status. */
const result = (data: unknown) => ({ status: 200, body: { result: { data } } });
const trpcError = (status: number, code: string, headers: Record<string, string> = {}) => ({
  status,
  headers,
  body: { error: { message: `Scripted ${code}`, code: -32000, data: { code, httpStatus: status } } },
});

describe('with a REST client', () => {
  it("uses the client's session: a refused access token is renewed once, and the call sent again", async () => {
    const recorder = recordingFetch();
    const { refresh } = (await ccm.getTokens())!;
    const rest = createClient({ baseUrl: server.url, fetch: recorder.fetch, tokens: { access: 'not-a-jwt', refresh } });
    const trpc = createTrpcClient({ client: rest });
    const [me, stats] = await Promise.all([trpc.auth.me.query(), trpc.contacts.stats.query()]);
    expect(me.username).toBe('admin');
    expect(stats.total_contacts).toBeGreaterThanOrEqual(0);
    expect(recorder.count('POST', '/api/auth/token/refresh/')).toBe(1);
    expect(recorder.count('GET', '/trpc/auth.me')).toBe(2);
    await ccm.setTokens((await rest.getTokens())!);
  });

  it('a mutation carries a key: the same key from the context answers the same contact', async () => {
    const trpc = createTrpcClient({ client: ccm });
    const customer = await trpc.customers.create.mutate(customerBody());
    const input = contactBody(customer.id);
    const context = { idempotencyKey: `trpc-${customer.id}` };
    const first = await trpc.contacts.create.mutate(input, { context });
    const again = await trpc.contacts.create.mutate(input, { context });
    expect(again.id).toBe(first.id);
    expect((await ccm.contacts.list({ query: { customer_id: customer.id } })).count).toBe(1);
  });

  it('If-Match from the context: a stale version is PRECONDITION_FAILED', async () => {
    const trpc = createTrpcClient({ client: ccm });
    const customer = await ccm.customers.create({ body: customerBody() });
    const patched = await trpc.customers.patch.mutate(
      { id: customer.id, is_verified: true },
      { context: { ifMatch: customer.version } },
    );
    expect(patched.version).toBe(customer.version + 1);
    const error = await rejection(
      trpc.customers.patch.mutate({ id: customer.id, is_verified: false }, { context: { ifMatch: customer.etag } }),
    );
    expect(isTrpcError(error)).toBe(true);
    expect((error as TRPCClientError<never>).data).toMatchObject({
      code: 'PRECONDITION_FAILED',
      appCode: 'precondition_failed',
    });
  });
});

describe('on its own', () => {
  const standalone = (timeoutMs?: number) =>
    createTrpcClient({ baseUrl: scripted.url, token: 'fixed', retry: { minDelayMs: 5 }, timeoutMs });

  it('retries a query after a 503 and a mutation with its key; sends the fixed token', async () => {
    scripted.script(trpcError(503, 'SERVICE_UNAVAILABLE'), result({ total_contacts: 3 }));
    expect(await standalone().contacts.stats.query()).toEqual({ total_contacts: 3 });
    scripted.script({ drop: true }, trpcError(429, 'TOO_MANY_REQUESTS', { 'retry-after': '0' }), result({ id: 9 }));
    expect(await standalone().contacts.create.mutate(contactBody(1))).toEqual({ id: 9 });
    const requests = scripted.requests;
    expect(requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /trpc/contacts.stats',
      'GET /trpc/contacts.stats',
      'POST /trpc/contacts.create',
      'POST /trpc/contacts.create',
      'POST /trpc/contacts.create',
    ]);
    expect(requests.every((r) => r.headers.authorization === 'Bearer fixed')).toBe(true);
    const keys = requests.slice(2).map((r) => r.headers['idempotency-key']);
    expect(keys[0]).toEqual(expect.any(String));
    expect(new Set(keys).size).toBe(1);
  });

  it('auth.login is not repeated after a 503, and goes without a key or a token', async () => {
    scripted.script(trpcError(503, 'SERVICE_UNAVAILABLE'), result({}));
    const error = await rejection(standalone().auth.login.mutate({ username: 'a', password: 'b' }));
    expect((error as TRPCClientError<never>).data).toMatchObject({ httpStatus: 503 });
    expect(scripted.requests).toHaveLength(1);
    expect(scripted.requests[0]?.headers['idempotency-key']).toBeUndefined();
    expect(scripted.requests[0]?.headers.authorization).toBeUndefined();
  });

  it('a call without an answer times out: the CcmTimeoutError is the cause', async () => {
    scripted.script({ hang: true });
    const started = performance.now();
    const error = await rejection(standalone(300).contacts.stats.query());
    expect(performance.now() - started).toBeLessThan(2000);
    expect(error).toBeInstanceOf(TRPCClientError);
    expect((error as Error).cause).toBeInstanceOf(CcmTimeoutError);
  });
});
