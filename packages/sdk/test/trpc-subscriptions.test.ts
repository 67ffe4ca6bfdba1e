/**
 * `trpc.events.onChange` through the SDK's tRPC client against the real server: typed events with the REST
 * client's session (the token in an Authorization header, through the `eventsource` package), a stream outliving
 * its 2-second access token (subscribed again from its last event with a renewed one), a caller's own EventSource
 * class (the token in the connection params), and a refusal that is not retried.
 */
import type { Event } from '@ccm/contract';
import { EventSource } from 'eventsource';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CcmClient, createClient } from '../src/index.js';
import { type CcmTrpcClient, type CcmTrpcError, createTrpcClient } from '../src/trpc.js';
import { customerBody, PASSWORDS, recordingFetch, sleep, startTestServer, type TestServer } from './support.js';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ ACCESS_TOKEN_TTL: '2' });
});
afterAll(async () => {
  await server?.close();
});

/** A client signed in as `username`, recording its requests. */
async function signedIn(username: keyof typeof PASSWORDS) {
  const recorder = recordingFetch();
  const ccm = createClient({ baseUrl: server.url, fetch: recorder.fetch });
  await ccm.login(username, PASSWORDS[username]);
  return { ccm, recorder };
}

/** The feed's cursor now (where a test's own events start). */
async function cursorNow(ccm: CcmClient): Promise<string> {
  let cursor = '';
  for (;;) {
    const page = await ccm.events.list({ query: { after: cursor, page_size: 1000 } });
    if (page.results.length === 0) return page.next_cursor;
    cursor = page.next_cursor;
  }
}

async function until(check: () => boolean, ms: number, what: string) {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

/** Subscribes to events.onChange, collecting what comes. */
function listen(trpc: CcmTrpcClient, input: { after?: string }) {
  const state = {
    events: [] as { id: string; data: Event }[],
    starts: 0,
    error: undefined as CcmTrpcError | undefined,
  };
  const subscription = trpc.events.onChange.subscribe(input, {
    onStarted: () => {
      state.starts += 1;
    },
    onData: (event) => {
      state.events.push(event);
    },
    onError: (error) => {
      state.error = error as CcmTrpcError;
    },
  });
  return { state, unsubscribe: () => subscription.unsubscribe() };
}

const customers = (events: { data: Event }[]) =>
  events.map((e) => (e.data.type === 'customer.created' ? e.data.data.object.username : e.data.type));

describe('events.onChange', () => {
  it("streams typed events with the REST client's session, and outlives its access token", async () => {
    const { ccm, recorder } = await signedIn('admin');
    const trpc = createTrpcClient({ client: ccm });
    const stream = listen(trpc, { after: await cursorNow(ccm) });
    const first = await ccm.customers.create({ body: customerBody() });
    await until(() => stream.state.events.length === 1, 10_000, 'the first event');
    expect(stream.state.events[0]!.id).toBe(String(stream.state.events[0]!.data.sequence));

    // The 2-second token expires (the server allows 5 s of leeway, and checks an open stream every 5 s): the
    // server ends the stream as UNAUTHORIZED, and the SDK subscribes again from the last event with a new token.
    await until(() => stream.state.starts >= 2, 20_000, 'the stream to be renewed');
    const second = await ccm.customers.create({ body: customerBody() });
    await until(() => stream.state.events.length === 2, 10_000, 'the second event');
    await sleep(300);
    stream.unsubscribe();
    expect(stream.state.error).toBeUndefined();
    expect(customers(stream.state.events)).toEqual([first.username, second.username]);
    expect(recorder.count('POST', '/api/auth/token/refresh/')).toBeGreaterThanOrEqual(1);
  }, 40_000);

  it("works with a caller's own EventSource class and a fixed token (in the connection params)", async () => {
    const { ccm } = await signedIn('staff');
    const token = (await ccm.getAccessToken())!;
    const trpc = createTrpcClient({ baseUrl: server.url, token, EventSource });
    const stream = listen(trpc, { after: await cursorNow(ccm) });
    const made = await ccm.customers.create({ body: customerBody() });
    await until(() => stream.state.events.length === 1, 10_000, 'the event');
    stream.unsubscribe();
    expect(customers(stream.state.events)).toEqual([made.username]);
  });

  it('gives up at once on a caller without the right: a viewer is FORBIDDEN, a stale token UNAUTHORIZED', async () => {
    const { ccm } = await signedIn('viewer');
    const viewer = listen(createTrpcClient({ client: ccm }), {});
    const stale = listen(createTrpcClient({ baseUrl: server.url, token: 'not.a.token' }), {});
    await until(() => viewer.state.error !== undefined && stale.state.error !== undefined, 10_000, 'the refusals');
    await sleep(500);
    expect(viewer.state.error?.data?.code).toBe('FORBIDDEN');
    expect(stale.state.error?.data?.code).toBe('UNAUTHORIZED');
    expect([viewer.state.starts, stale.state.starts]).toEqual([1, 1]);
  });
});
