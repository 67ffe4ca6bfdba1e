import { type Access, type RouteMetadata, routeEntries, rpcOf } from '@ccm/contract';
import { describe, expect } from 'vitest';
import { z } from 'zod';
import { ADAPTERS, operations } from './support/adapters.js';
import { test } from './support/fixture.js';

// Both adapters serve every route of the contract, made from one operation table: the same access rule through
// REST and tRPC, and tRPC inputs that take values, never text, where the contract says number or boolean. A
// streamed route (a file: contacts.export) is REST only, and tRPC has no procedure of its name.

const routes = routeEntries().map((e) => ({
  ...e,
  access: (e.route.metadata as RouteMetadata).access,
  rpc: rpcOf(e.route),
}));
/** An input that reaches the access check (an id, no body: the check comes before the input is read). */
const inputOf = (path: string) => (path.includes(':id') ? { id: 999_999 } : undefined);

/** Who may not call a route of this access: [as whom, the status they get]. */
const refused: Record<Access, ['anon' | 'viewer' | 'staff', number][]> = {
  public: [],
  read: [['anon', 401]],
  write: [
    ['anon', 401],
    ['viewer', 403],
  ],
  admin: [
    ['anon', 401],
    ['viewer', 403],
    ['staff', 403],
  ],
};

describe('every route through both adapters', () => {
  test.for(routes.map((r) => [r.name, r.access, r] as const))(
    '%s (%s): the same refusals, and served',
    async ([, , r], { server: t }) => {
      if (r.rpc.stream) {
        const res = await operations(t.url, t.admin.token).trpc(r.name, inputOf(r.route.path));
        expect(res.status, `trpc ${r.name}`).toBe(404);
      }
      for (const adapter of r.rpc.stream ? (['rest'] as const) : ADAPTERS) {
        for (const [who, status] of refused[r.access]) {
          const token = who === 'anon' ? undefined : t[who].token;
          const res = await operations(t.url, token).call(adapter, r.name, inputOf(r.route.path));
          expect(res.status, `${adapter} ${r.name} as ${who}`).toBe(status);
        }
        // Allowed: the route exists and answers (whatever the missing record or input says, never 404 for the route
        // itself, 405 or 500).
        const allowed = await operations(t.url, t.admin.token).call(adapter, r.name, inputOf(r.route.path));
        expect(allowed.status, `${adapter} ${r.name}: ${JSON.stringify(allowed.body)?.slice(0, 200)}`).toBeLessThan(
          500,
        );
        expect([405]).not.toContain(allowed.status);
        if (!r.route.path.includes(':id')) expect(allowed.status, `${adapter} ${r.name}`).not.toBe(404);
      }
    },
  );
});

/** The input fields of a procedure that are numbers or booleans. */
function typedFields(schema: z.ZodTypeAny | undefined): [string, 'number' | 'boolean'][] {
  let object: z.ZodTypeAny | undefined = schema;
  while (object instanceof z.ZodDefault || object instanceof z.ZodOptional) object = object._def.innerType;
  if (!(object instanceof z.ZodObject)) return [];
  return Object.entries(object.shape as z.ZodRawShape).flatMap(([key, field]): [string, 'number' | 'boolean'][] => {
    let base: z.ZodTypeAny = field;
    while (base instanceof z.ZodDefault || base instanceof z.ZodOptional) base = base._def.innerType;
    if (base instanceof z.ZodNumber) return [[key, 'number']];
    if (base instanceof z.ZodBoolean) return [[key, 'boolean']];
    return [];
  });
}

describe('tRPC inputs take values, not text', () => {
  const cases = routes
    .filter((r) => !r.rpc.stream)
    .flatMap((r) => typedFields(r.rpc.input).map(([field, type]) => [r.name, field, type] as const));

  test('covers the ids, filters, flags and pages of the contract', () => {
    const fields = new Set(cases.map(([, field]) => field));
    for (const f of ['id', 'customer_id', 'is_active', 'is_primary', 'is_verified', 'page', 'page_size', 'customer']) {
      expect(fields, f).toContain(f);
    }
  });

  test.for(cases)('%s: %s (%s) as text is a 400 on that field', async ([name, field, type], { server: t }) => {
    const text = type === 'number' ? '1' : 'true';
    const res = await operations(t.url, t.admin.token).trpc(name, { id: 1, [field]: text });
    expect(res.status, JSON.stringify(res.body)).toBe(400);
    expect(Object.keys(res.errors ?? {})).toContain(field);
  });
});
