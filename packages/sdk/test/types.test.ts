/**
 * The types the SDK gives its callers, checked by `tsc --noEmit` (pnpm typecheck): each `@ts-expect-error` must
 * be an error, each `expectTypeOf` must hold. The calls never run (the client points nowhere).
 */
import { describe, expectTypeOf, it } from 'vitest';
import type { CustomerWithContacts } from '../src/index.js';
import {
  type CcmClient,
  type Contact,
  type ContactStats,
  type Contract,
  type Customer,
  createClient,
  type Event,
  type Page,
  type PagedArray,
  type RouteInput,
  type User,
  verifyWebhook,
  type WebhookPayload,
  type WithEtag,
} from '../src/index.js';
import type { CcmTrpcClient } from '../src/trpc.js';

declare const ccm: CcmClient;
declare const trpc: CcmTrpcClient;

// Typed only: these functions are never called.
function typeChecks() {
  // Results are the `data` of the envelopes, typed by the contract.
  expectTypeOf(ccm.contacts.list()).resolves.toEqualTypeOf<Page<Contact>>();
  expectTypeOf(ccm.customers.get({ params: { id: 1 } })).resolves.toEqualTypeOf<WithEtag<Customer>>();
  expectTypeOf(ccm.contacts.patch({ params: { id: 1 }, body: {} }))
    .resolves.toHaveProperty('etag')
    .toBeString();
  expectTypeOf(ccm.contacts.list()).resolves.toHaveProperty('nextCursor').toEqualTypeOf<string | null>();
  expectTypeOf(ccm.customers.withContacts({ query: { page: 1 } })).resolves.toEqualTypeOf<
    PagedArray<CustomerWithContacts>
  >();
  // List items carry their `version` (an `ifMatch` as good as an ETag), not an `etag`.
  expectTypeOf(ccm.contacts.iterate({ search: 'perera' })).toEqualTypeOf<AsyncGenerator<Contact, void, undefined>>();
  expectTypeOf<Contact['version']>().toBeNumber();
  expectTypeOf(ccm.contacts.stats()).resolves.toEqualTypeOf<ContactStats>();
  expectTypeOf(ccm.auth.me()).resolves.toEqualTypeOf<User>();
  expectTypeOf(ccm.contacts.delete({ params: { id: 1 } })).resolves.toEqualTypeOf<undefined>();
  expectTypeOf(ccm.login('a', 'b')).resolves.toHaveProperty('user').toEqualTypeOf<User>();

  // Inputs: query values may be numbers and booleans; ids numbers or digit strings.
  ccm.contacts.list({ query: { customer_id: 3, is_active: true, ordering: '-email', page: 2 } });
  ccm.contacts.list({ query: { customer_id: '3', is_primary: 'false' }, timeoutMs: 1000, retries: 0 });
  expectTypeOf<RouteInput<Contract['contacts']['get']>['params']>().toEqualTypeOf<{ id: string | number }>();
  // Writes take an idempotency key and an If-Match (an ETag or a version).
  ccm.contacts.update({ params: { id: 1 }, body: { email: 'a@b.c', wa_number: '1', tp_number: '2' }, ifMatch: 3 });
  ccm.customers.delete({ params: { id: 1 }, ifMatch: '"3"', idempotencyKey: 'k-1' });
  ccm.contacts.setPrimary({ params: { id: 1 }, ifMatch: '"3"' });

  // @ts-expect-error: an unknown method.
  ccm.contacts.frobnicate();
  // @ts-expect-error: login/refresh/logout of the contract go through the session methods.
  ccm.auth.login({ body: { username: 'a', password: 'b' } });
  // @ts-expect-error: the body is required.
  ccm.contacts.create();
  // @ts-expect-error: a field of the wrong type.
  ccm.contacts.create({ body: { customer: 1, email: 'a@b.c', wa_number: '1', tp_number: '2', is_primary: 'yes' } });
  // @ts-expect-error: a missing required field (tp_number).
  ccm.contacts.create({ body: { customer: 1, email: 'a@b.c', wa_number: '1' } });
  // @ts-expect-error: an ordering the contract does not know.
  ccm.contacts.list({ query: { ordering: 'name' } });
  // @ts-expect-error: the path id is required.
  ccm.contacts.get({});
  // @ts-expect-error: a read takes no If-Match.
  ccm.contacts.get({ params: { id: 1 }, ifMatch: 3 });
  // @ts-expect-error: iterate pages by itself.
  ccm.contacts.iterate({ page: 2 });
  // @ts-expect-error: no such field on a contact.
  ccm.contacts.get({ params: { id: 1 } }).then((c) => c.phone);

  // A webhook's payload, an event or a ping; the live stream's events, each with its id.
  expectTypeOf(verifyWebhook('whsec_', {}, '')).toEqualTypeOf<WebhookPayload>();
  trpc.events.onChange.subscribe(
    { after: '12', types: ['contact.created'] },
    { onData: (event) => expectTypeOf(event).toEqualTypeOf<{ id: string; data: Event }>() },
  );
  trpc.events.onChange.subscribe(undefined, {});
  // @ts-expect-error: an event type the contract does not know.
  trpc.events.onChange.subscribe({ types: ['contact.exploded'] }, {});
  // @ts-expect-error: a cursor is text (a `next_cursor`, or an event's id).
  trpc.events.onChange.subscribe({ after: 12 }, {});

  // The raw ts-rest client: every status, discriminated by `status`.
  ccm.raw.contacts.get({ params: { id: '1' } }).then((res) => {
    if (res.status === 200) expectTypeOf(res.body.data).toEqualTypeOf<Contact>();
    if (res.status === 404) expectTypeOf(res.body.success).toEqualTypeOf<false>();
  });
}

describe('types', () => {
  it('are checked by tsc (this test only keeps vitest from reporting an empty file)', () => {
    expectTypeOf(createClient).toBeFunction();
    expectTypeOf(typeChecks).toBeFunction();
  });
});
