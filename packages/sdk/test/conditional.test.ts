/**
 * Against the real server: ETags and conditional writes (`etag`, `ifMatch`, CcmPreconditionFailedError), and
 * idempotent writes (the same key answers the same, once).
 */
import { describe, expect, it } from 'vitest';
import { CcmApiError, CcmPreconditionFailedError } from '../src/index.js';
import { contactBody, customerBody, rejection, useSignedInServer } from './support.js';

const real = useSignedInServer();

/** Resolves with the CcmPreconditionFailedError a call rejects with (fails otherwise). */
async function preconditionFailed(call: Promise<unknown>): Promise<CcmPreconditionFailedError> {
  const error = await rejection(call);
  expect(error).toBeInstanceOf(CcmPreconditionFailedError);
  expect(CcmPreconditionFailedError.is(error)).toBe(true);
  return error as CcmPreconditionFailedError;
}

describe('ETags and ifMatch', () => {
  it('get gives the etag; a stale ifMatch is a typed 412 with the current ETag; the current one succeeds', async () => {
    const customer = await real.ccm.customers.create({ body: customerBody() });
    const created = await real.ccm.contacts.create({ body: contactBody(customer.id) });
    const read = await real.ccm.contacts.get({ params: { id: created.id } });
    expect(read.etag).toBe(`"${read.version}"`);
    expect(created.etag).toBe(read.etag);

    const patched = await real.ccm.contacts.patch({
      params: { id: read.id },
      body: { email: 'first-edit@example.com' },
      ifMatch: read.etag,
    });
    expect(patched.version).toBe(read.version + 1);
    expect(patched.etag).toBe(`"${patched.version}"`);

    const stale = await preconditionFailed(
      real.ccm.contacts.patch({
        params: { id: read.id },
        body: { email: 'lost-edit@example.com' },
        ifMatch: read.etag,
      }),
    );
    expect(stale.status).toBe(412);
    expect(stale.currentEtag).toBe(patched.etag);
    expect(stale.operation).toBe('contacts.patch');
    expect((await real.ccm.contacts.get({ params: { id: read.id } })).email).toBe('first-edit@example.com');

    // A version from a list is as good as the ETag.
    const [listed] = (await real.ccm.contacts.list({ query: { customer_id: customer.id } })).results;
    const replaced = await real.ccm.contacts.update({
      params: { id: read.id },
      body: { email: 'second-edit@example.com', wa_number: read.wa_number, tp_number: read.tp_number },
      ifMatch: listed!.version,
    });
    expect(replaced.email).toBe('second-edit@example.com');
  });

  it('two editors with the same ETag: exactly one saves, the other gets the 412', async () => {
    const customer = await real.ccm.customers.create({ body: customerBody() });
    const { etag } = await real.ccm.customers.get({ params: { id: customer.id } });
    const results = await Promise.allSettled(
      ['Ada', 'Grace'].map((first_name) =>
        real.ccm.customers.patch({ params: { id: customer.id }, body: { first_name }, ifMatch: etag }),
      ),
    );
    const saved = results.filter((r) => r.status === 'fulfilled');
    const refused = results.flatMap((r) => (r.status === 'rejected' ? [r.reason] : []));
    expect(saved).toHaveLength(1);
    expect(refused).toHaveLength(1);
    expect(refused[0]).toBeInstanceOf(CcmPreconditionFailedError);
    expect((refused[0] as CcmPreconditionFailedError).currentEtag).toBe(
      (await real.ccm.customers.get({ params: { id: customer.id } })).etag,
    );
  });

  it('set-primary, toggle-status and delete honour ifMatch too', async () => {
    const customer = await real.ccm.customers.create({ body: customerBody() });
    const contact = await real.ccm.contacts.create({ body: contactBody(customer.id) });
    const stale = contact.etag;
    const primary = await real.ccm.contacts.setPrimary({ params: { id: contact.id }, ifMatch: stale });
    expect(primary.is_primary).toBe(true);
    await preconditionFailed(real.ccm.contacts.toggleStatus({ params: { id: contact.id }, ifMatch: stale }));
    const toggled = await real.ccm.contacts.toggleStatus({ params: { id: contact.id }, ifMatch: primary.etag });
    expect(toggled.is_active).toBe(false);
    await preconditionFailed(real.ccm.contacts.delete({ params: { id: contact.id }, ifMatch: primary.etag }));
    await real.ccm.contacts.delete({ params: { id: contact.id }, ifMatch: toggled.etag });

    const current = await real.ccm.customers.get({ params: { id: customer.id } });
    await preconditionFailed(real.ccm.customers.delete({ params: { id: customer.id }, ifMatch: current.version + 1 }));
    expect(await real.ccm.customers.delete({ params: { id: customer.id }, ifMatch: current.etag })).toBeUndefined();
  });

  it('the raw client: If-None-Match with the current ETag answers 304 without a body', async () => {
    const customer = await real.ccm.customers.create({ body: customerBody() });
    const res = await real.ccm.raw.customers.get({
      params: { id: String(customer.id) },
      extraHeaders: { 'if-none-match': customer.etag },
    });
    expect(res.status).toBe(304);
    expect(res.body).toBeUndefined();
    const changed = await real.ccm.raw.customers.get({
      params: { id: String(customer.id) },
      extraHeaders: { 'if-none-match': '"999"' },
    });
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).toBe(customer.etag);
  });
});

describe('idempotent writes', () => {
  it('the same key twice: one contact, the second answer replayed', async () => {
    const customer = await real.ccm.customers.create({ body: customerBody() });
    const body = contactBody(customer.id);
    const first = await real.ccm.raw.contacts.create({ body, idempotencyKey: `create-${customer.id}` });
    const again = await real.ccm.raw.contacts.create({ body, idempotencyKey: `create-${customer.id}` });
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect((await real.ccm.contacts.list({ query: { customer_id: customer.id } })).count).toBe(1);

    // The friendly method with the same key resolves with that contact too.
    const friendly = await real.ccm.contacts.create({ body, idempotencyKey: `create-${customer.id}` });
    expect(friendly.id).toBe((first.body as { data: { id: number } }).data.id);
  });

  it('parallel calls with one key make one contact, and all get it', async () => {
    const customer = await real.ccm.customers.create({ body: customerBody() });
    const body = contactBody(customer.id);
    const key = `parallel-${customer.id}`;
    // Calls that arrive while the first runs are told 409 with Retry-After, and come back.
    const made = await Promise.all(
      Array.from({ length: 8 }, () => real.ccm.contacts.create({ body, idempotencyKey: key, retries: 10 })),
    );
    expect(new Set(made.map((c) => c.id)).size).toBe(1);
    expect((await real.ccm.contacts.list({ query: { customer_id: customer.id } })).count).toBe(1);
  });

  it('the same key for another request is refused (422), and a malformed key (400)', async () => {
    const customer = await real.ccm.customers.create({ body: customerBody() });
    await real.ccm.contacts.create({ body: contactBody(customer.id), idempotencyKey: `reuse-${customer.id}` });
    const reused = await rejection(
      real.ccm.contacts.create({ body: contactBody(customer.id), idempotencyKey: `reuse-${customer.id}` }),
    );
    expect(reused).toBeInstanceOf(CcmApiError);
    expect((reused as CcmApiError).status).toBe(422);
    const malformed = await rejection(
      real.ccm.contacts.create({ body: contactBody(customer.id), idempotencyKey: 'é' }),
    );
    expect((malformed as CcmApiError).status).toBe(400);
  });
});
