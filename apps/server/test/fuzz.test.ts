import { ErrorEnvelopeSchema } from '@ccm/contract';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { routes } from '../src/http/routeTable.js';
import { contactBody, createContact, createCustomer, customerBody } from './support/factories.js';
import { test } from './support/fixture.js';
import type { TestServer } from './support/server.js';

// Generated and mutated requests to every route of the contract: wrong types, missing and extra fields,
// huge strings, unicode, SQL and script fragments, odd numbers, bad paths and ids. Whatever arrives, the
// server never answers 5xx, every failure is the error envelope, and a rejected request changes nothing.

let t: TestServer;
const ids = { customers: [] as number[], contacts: [] as number[] };
/** The test's own users: a generated request that revokes or deactivates one would end the sessions it reads with. */
const ours = new Set<string>();

test.beforeAll(async ({ server }) => {
  t = server;
  for (const client of [t.admin, t.staff, t.viewer]) ours.add(String((await client.get('/api/auth/me/')).body.data.id));
  for (let i = 0; i < 3; i++) {
    const customer = await createCustomer(t.staff);
    ids.customers.push(customer.id);
    for (let k = 0; k < 2; k++)
      ids.contacts.push((await createContact(t.staff, customer.id, { is_primary: k === 0 })).id);
  }
});

/** Everything the API can show of the database, as one string. */
async function snapshot(): Promise<string> {
  const read = async (path: string) => {
    const rows: unknown[] = [];
    for (let page = 1; ; page++) {
      const res = await t.admin.get(`${path}?page_size=100&page=${page}&ordering=id`);
      rows.push(...res.body.data.results);
      if (!res.body.data.next) return rows;
    }
  };
  const stats = (await t.admin.get('/api/contacts/stats/')).body.data;
  return JSON.stringify([await read('/api/customers/'), await read('/api/contacts/'), stats]);
}

const nasty = fc.constantFrom(
  "' OR 1=1 --",
  "'; DROP TABLE contacts; --",
  '" OR ""="',
  '<script>alert(1)</script>',
  '%',
  '_',
  '\\',
  '\u0000',
  '😀👨‍👩‍👧‍👦',
  'ÅÍÎÏ˝ÓÔÒÚÆ☃',
  '\u202e',
  '../../etc/passwd',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a log4shell-style probe, meant literally.
  '${jndi:ldap://x}',
  '{{7*7}}',
);
const oddNumber = fc.constantFrom(0, -0, -1, 1.5, 1e308, -1e308, 2 ** 53 + 1, Number.MAX_SAFE_INTEGER, 1e-9);
const junk: fc.Arbitrary<unknown> = fc.oneof(
  nasty,
  oddNumber,
  fc.string(),
  fc.string({ minLength: 2000, maxLength: 20000 }),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.jsonValue(), { maxLength: 5 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue(), { maxKeys: 4 }),
);
const fieldNames = [
  'customer',
  'email',
  'wa_number',
  'tp_number',
  'is_primary',
  'is_active',
  'username',
  'first_name',
  'last_name',
  'nic',
  'phone_number',
  'address',
  'is_verified',
  'password',
  'refresh',
  'contacts',
  'id',
  '__proto__',
  'constructor',
];

/** A valid body for some route, with some fields dropped, replaced by junk, or added. */
const mutatedBody = fc
  .tuple(
    fc.constantFrom<() => Record<string, unknown>>(
      () => contactBody(ids.customers[0] ?? 1),
      () => customerBody(),
      () => ({ contacts: [contactBody(ids.customers[1] ?? 1), contactBody(ids.customers[2] ?? 1)] }),
      () => ({ username: 'staff', password: 'x' }),
      () => ({}),
    ),
    fc.array(fc.tuple(fc.constantFrom(...fieldNames), fc.option(junk, { nil: undefined })), { maxLength: 4 }),
  )
  .map(([make, edits]) => {
    const body = make();
    for (const [field, value] of edits) {
      if (value === undefined) delete body[field];
      else body[field] = value;
    }
    return body;
  });

const pathId = fc.oneof(
  fc.constantFrom(...['0', '-1', '1.5', '1e3', '0x10', 'abc', '99999999999999999999', '%00', '..', '%2e%2e', ' ']),
  fc.integer({ min: 1, max: 50 }).map(String),
  nasty.map((s) => encodeURIComponent(s)),
  fc.string({ maxLength: 20 }).map((s) => encodeURIComponent(s)),
);
const queryValue = fc.oneof(
  nasty,
  fc.string({ maxLength: 30 }),
  oddNumber.map(String),
  fc.constantFrom('true', 'false', '1', '-created_at'),
);
const query = fc.dictionary(
  fc.constantFrom(
    'page',
    'page_size',
    'search',
    'ordering',
    'is_active',
    'is_primary',
    'is_verified',
    'customer_id',
    'x',
  ),
  queryValue,
  { maxKeys: 4 },
);

const request = fc.record({
  route: fc.constantFrom(...routes.filter((r) => r.path !== '/api/auth/logout/')),
  id: pathId,
  query,
  body: fc.oneof(
    { weight: 4, arbitrary: mutatedBody.map((b) => ({ json: b })) },
    { weight: 1, arbitrary: junk.map((b) => ({ json: b })) },
    {
      weight: 1,
      arbitrary: fc.oneof(fc.string(), nasty, fc.constantFrom('{', '[1,', '{"a":}')).map((raw) => ({ raw })),
    },
  ),
  as: fc.constantFrom('staff', 'admin', 'viewer', 'anon') as fc.Arbitrary<'staff' | 'admin' | 'viewer' | 'anon'>,
});

describe('generated requests', () => {
  it('never get a 5xx, always the envelope on failure, and change nothing when rejected', async () => {
    let before = await snapshot();
    await fc.assert(
      fc.asyncProperty(request, async ({ route, id, query, body, as }) => {
        fc.pre(!(route.path.startsWith('/api/users/:id/') && ours.has(id)));
        const path = route.path.replace(':id', id);
        const qs = new URLSearchParams(query as Record<string, string>).toString();
        const client = t[as];
        const hasBody = route.method !== 'GET' && route.method !== 'DELETE';
        const res = await client.request(
          route.method,
          qs ? `${path}?${qs}` : path,
          hasBody && 'json' in body ? body.json : undefined,
          hasBody && 'raw' in body ? { raw: body.raw, headers: { 'content-type': 'application/json' } } : {},
        );
        expect(res.status, `${route.method} ${path} → ${res.status} ${res.text.slice(0, 300)}`).toBeLessThan(500);
        const after = await snapshot();
        if (res.status >= 400) {
          expect(ErrorEnvelopeSchema.safeParse(res.body).success, res.text.slice(0, 300)).toBe(true);
          expect(after, `${route.method} ${path} was rejected with ${res.status} but changed the data`).toBe(before);
        }
        before = after;
      }),
      { numRuns: 400, seed: Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31), endOnFailure: true },
    );
  });
});
