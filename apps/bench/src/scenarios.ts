/** One HTTP request as autocannon builds it. */
export interface BenchRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  headers: Record<string, string>;
  body?: string;
}

/** What scenarios know of the server and its data. */
export interface ScenarioContext {
  /** The `Authorization` header of the signed-in bench user. */
  headers: Record<string, string>;
  credentials: { username: string; password: string };
  /** Seeded contact ids are 1..contacts, customer ids 1..customers. */
  contacts: number;
  customers: number;
  /** Ids of active customers (contacts can be added to them). */
  activeCustomers: number[];
  /** A number unique within the run, for unique e-mails and phone numbers. */
  unique(): number;
  /** Random letters naming this run, in e-mails. */
  runTag: string;
  /** The bench user's id and a refresh token of its (fresh for each scenario). */
  userId: number;
  refresh: string;
  /** Ids of contacts a scenario's `prepare` made for it to delete. */
  deletable: number[];
}

/** Sends one request to the server under test (for a scenario's preparation). */
export type Send = (req: BenchRequest) => Promise<{ status: number; body: Buffer }>;

export interface Scenario {
  name: string;
  title: string;
  write: boolean;
  /** Concurrent connections for this scenario when not the run's (one request at a time shows its latency). */
  connections?: number;
  /** Makes the request generator: each call gives the next request (random ids, unique values). */
  requests(ctx: ScenarioContext): () => BenchRequest;
  /**
   * Load that runs unmeasured on the server while the scenario is measured (and the baselines, which could not
   * take it, are skipped): how a request fares while other clients keep the database busy.
   */
  background?: { connections: number; requests(ctx: ScenarioContext): () => BenchRequest };
  /** Makes what the requests need (contacts to delete), before the scenario runs. */
  prepare?(ctx: ScenarioContext, send: Send): Promise<void>;
}

const randomInt = (max: number) => 1 + Math.floor(Math.random() * max);
const pick = <T>(items: T[]) => items[Math.floor(Math.random() * items.length)]!;
const digits7 = (n: number) => String(n % 10_000_000).padStart(7, '0');

/**
 * Contact values unique within the run: e-mails carry the run's tag, numbers take mobile prefixes the seed
 * never uses (it has +9477 and Colombo landlines), one pair of prefixes per kind of write.
 */
function contactValues(ctx: ScenarioContext, kind: 'create' | 'update' | 'bulk') {
  const n = ctx.unique();
  const [wa, tp] = { create: ['+9478', '+9475'], update: ['+9476', '+9472'], bulk: ['+9470', '+9471'] }[kind];
  return {
    email: `${kind}.${ctx.runTag}.${n}@bench.example.com`,
    wa_number: `${wa}${digits7(n)}`,
    tp_number: `${tp}${digits7(n)}`,
  };
}

const get = (ctx: ScenarioContext, path: () => string) => () => ({
  method: 'GET' as const,
  path: path(),
  headers: ctx.headers,
});
/** A login with the bench user's password: no access token, so none of the other requests' headers. */
const login = (ctx: ScenarioContext) => () => ({
  method: 'POST' as const,
  path: '/api/auth/token/',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(ctx.credentials),
});
const json = (ctx: ScenarioContext) => ({ ...ctx.headers, 'content-type': 'application/json' });
const post = (ctx: ScenarioContext, path: () => string, body?: () => unknown) => () => ({
  method: 'POST' as const,
  path: path(),
  ...(body ? { headers: json(ctx), body: JSON.stringify(body()) } : { headers: ctx.headers }),
});

function bulk(size: number, connections?: number): Scenario {
  return {
    name: connections === 1 ? `bulk-${size}-alone` : `bulk-${size}`,
    title: `bulk create of ${size.toLocaleString('en')} contacts${connections === 1 ? ', one request at a time' : ''}`,
    write: true,
    connections,
    requests: (ctx) =>
      post(
        ctx,
        () => '/api/contacts/bulk-create/',
        () => {
          // Ten customers per request, as an import would spread them.
          const customers = Array.from({ length: 10 }, () => pick(ctx.activeCustomers));
          return {
            contacts: Array.from({ length: size }, (_, i) => ({
              customer: customers[i % customers.length],
              ...contactValues(ctx, 'bulk'),
            })),
          };
        },
      ),
  };
}

/** Imports that keep SQLite's one writer busy: three clients sending 1,000 contacts each, back to back. */
const IMPORTS = { connections: 3, requests: bulk(1000).requests };

/** A single-row write (or a read) measured while IMPORTS run: none may wait behind SQLite's busy handler. */
function underImports(name: string, title: string, fields: Pick<Scenario, 'requests' | 'prepare' | 'write'>): Scenario {
  return {
    name: `${name}-under-imports`,
    title: `${title}, while 3 clients import 1,000 contacts each`,
    connections: 4,
    background: IMPORTS,
    ...fields,
  };
}

/** Contacts for the delete scenario to remove, made in imports of 1,000 before it runs. */
async function contactsToDelete(ctx: ScenarioContext, send: Send, count: number) {
  ctx.deletable = [];
  for (let made = 0; made < count; made += 1000) {
    const customer = pick(ctx.activeCustomers);
    const contacts = Array.from({ length: 1000 }, () => ({ customer, ...contactValues(ctx, 'bulk') }));
    const res = await send({
      method: 'POST',
      path: '/api/contacts/bulk-create/',
      headers: json(ctx),
      body: JSON.stringify({ contacts }),
    });
    if (res.status !== 201)
      throw new Error(`preparing contacts to delete: ${res.status} ${res.body.toString().slice(0, 200)}`);
    const created = (JSON.parse(res.body.toString()) as { data: { created_contacts: { id: number }[] } }).data
      .created_contacts;
    ctx.deletable.push(...created.map((c) => c.id));
  }
}

/** Single-row writes of every kind the server has, and a read, each under IMPORTS. */
const UNDER_IMPORTS: Scenario[] = [
  underImports('delete', 'delete a contact', {
    write: true,
    prepare: (ctx, send) => contactsToDelete(ctx, send, 20_000),
    requests: (ctx) => () => ({
      method: 'DELETE',
      path: `/api/contacts/${ctx.deletable.pop() ?? 0}/`,
      headers: ctx.headers,
    }),
  }),
  underImports('toggle', "toggle a contact's status", {
    write: true,
    requests: (ctx) => post(ctx, () => `/api/contacts/${randomInt(ctx.contacts)}/toggle-status/`),
  }),
  underImports('logout', 'log out (a refresh-token write)', {
    write: true,
    requests: (ctx) =>
      post(
        ctx,
        () => '/api/auth/logout/',
        () => ({ refresh: ctx.refresh }),
      ),
  }),
  underImports('user-update', "update a user (the bench user's own role)", {
    write: true,
    requests: (ctx) => () => ({
      method: 'PATCH',
      path: `/api/users/${ctx.userId}/`,
      headers: json(ctx),
      body: JSON.stringify({ role: 'admin' }),
    }),
  }),
  underImports('login', 'log in (password check, then a refresh-token write)', {
    write: true,
    requests: login,
  }),
  underImports('get-contact', 'get a contact by id', {
    write: false,
    requests: (ctx) => get(ctx, () => `/api/contacts/${randomInt(ctx.contacts)}/`),
  }),
];

/** The list's flag filters, alone and with a customer: one scenario each (none may be slower than `list`). */
function filterScenarios(): Scenario[] {
  const flags: [string, string][] = [
    ['active', 'is_active=true'],
    ['inactive', 'is_active=false'],
    ['primary', 'is_primary=true'],
    ['active-primary', 'is_active=true&is_primary=true'],
  ];
  const alone = flags.map(
    ([name, query]): Scenario => ({
      name: `list-${name}`,
      title: `contacts, ${query.replace('&', ' and ')}`,
      write: false,
      requests: (ctx) => get(ctx, () => `/api/contacts/?${query}`),
    }),
  );
  const ofCustomer = flags.map(
    ([name, query]): Scenario => ({
      name: `list-customer-${name}`,
      title: `contacts of a customer, ${query.replace('&', ' and ')}`,
      write: false,
      requests: (ctx) => get(ctx, () => `/api/contacts/?customer_id=${randomInt(ctx.customers)}&${query}`),
    }),
  );
  return [...alone, ...ofCustomer];
}

/** Every scenario, in the order they run. */
export const SCENARIOS: Scenario[] = [
  {
    name: 'login',
    title: 'log in (POST auth/token/)',
    write: true,
    requests: login,
  },
  {
    name: 'get-contact',
    title: 'get a contact by id',
    write: false,
    requests: (ctx) => get(ctx, () => `/api/contacts/${randomInt(ctx.contacts)}/`),
  },
  { name: 'list', title: 'contacts, page 1', write: false, requests: (ctx) => get(ctx, () => '/api/contacts/') },
  {
    name: 'list-customer',
    title: 'contacts of a customer (customer_id filter)',
    write: false,
    requests: (ctx) => get(ctx, () => `/api/contacts/?customer_id=${randomInt(ctx.customers)}`),
  },
  ...filterScenarios(),
  {
    name: 'list-search',
    title: 'contacts, search "perera"',
    write: false,
    requests: (ctx) => get(ctx, () => '/api/contacts/?search=perera'),
  },
  {
    name: 'list-search-old',
    title: 'contacts, search "cust001" (customers 1,000 to 1,999: at 1,000,000 contacts, the oldest 1%)',
    write: false,
    // The seed's customer codes are cust and 6 digits in creation order: these matches are far down the newest-first page.
    requests: (ctx) => get(ctx, () => '/api/contacts/?search=cust001'),
  },
  {
    name: 'list-search-number',
    title: 'contacts, search a WhatsApp number in national form',
    write: false,
    // The seed gives contact j (0-based) the mobile number +9477 and j in 7 digits (apps/server/src/seed.ts).
    requests: (ctx) => get(ctx, () => `/api/contacts/?search=077${digits7(randomInt(ctx.contacts) - 1)}`),
  },
  {
    name: 'list-search-number-start',
    title: 'contacts, search the start of a number (077 and 4 digits)',
    write: false,
    // Up to 1,000 of the seeded numbers share a start of 077 and 4 digits (a range of the number index).
    requests: (ctx) => get(ctx, () => `/api/contacts/?search=077${digits7(randomInt(ctx.contacts) - 1).slice(0, 4)}`),
  },
  {
    name: 'deep-page',
    title: 'contacts, a deep page (90% through)',
    write: false,
    requests: (ctx) => {
      const page = Math.max(1, Math.floor((ctx.contacts * 0.9) / 20));
      return get(ctx, () => `/api/contacts/?page=${page}`);
    },
  },
  {
    name: 'deep-cursor',
    title: 'contacts, a deep page by cursor (90% through)',
    write: false,
    requests: (ctx) => {
      // The cursor of the row 90% through the list by `-id` (seeded ids are 1..contacts), made as the
      // server makes them (apps/server/src/services/pagination.ts); a stale format would answer 400s here.
      const id = Math.max(1, Math.floor(ctx.contacts * 0.1));
      const cursor = Buffer.from(JSON.stringify(['-id', id, id, 0])).toString('base64url');
      return get(ctx, () => `/api/contacts/?ordering=-id&cursor=${cursor}`);
    },
  },
  {
    name: 'create',
    title: 'create a contact',
    write: true,
    requests: (ctx) =>
      post(
        ctx,
        () => '/api/contacts/',
        () => ({ customer: pick(ctx.activeCustomers), ...contactValues(ctx, 'create') }),
      ),
  },
  {
    name: 'create-keyed',
    title: 'create a contact with an Idempotency-Key (its answer stored with it)',
    write: true,
    requests: (ctx) => {
      const create = post(
        ctx,
        () => '/api/contacts/',
        () => ({ customer: pick(ctx.activeCustomers), ...contactValues(ctx, 'create') }),
      );
      return () => {
        const req = create();
        return { ...req, headers: { ...req.headers, 'Idempotency-Key': `bench-${ctx.runTag}-${ctx.unique()}` } };
      };
    },
  },
  {
    name: 'update',
    title: 'update a contact (PUT)',
    write: true,
    requests: (ctx) => () => ({
      method: 'PUT',
      path: `/api/contacts/${randomInt(ctx.contacts)}/`,
      headers: json(ctx),
      body: JSON.stringify(contactValues(ctx, 'update')),
    }),
  },
  {
    name: 'set-primary',
    title: 'set a contact primary',
    write: true,
    requests: (ctx) => post(ctx, () => `/api/contacts/${randomInt(ctx.contacts)}/set-primary/`),
  },
  {
    name: 'toggle',
    title: "toggle a contact's status",
    write: true,
    requests: (ctx) => post(ctx, () => `/api/contacts/${randomInt(ctx.contacts)}/toggle-status/`),
  },
  {
    name: 'stats',
    title: 'contact statistics',
    write: false,
    requests: (ctx) => get(ctx, () => '/api/contacts/stats/'),
  },
  {
    name: 'customers-with-contacts',
    title: 'customers with contacts, page 1',
    write: false,
    requests: (ctx) => get(ctx, () => '/api/customers-with-contacts/'),
  },
  {
    name: 'customer-contacts',
    title: "a customer's contacts (customers/{id}/contacts/)",
    write: false,
    requests: (ctx) => get(ctx, () => `/api/customers/${randomInt(ctx.customers)}/contacts/`),
  },
  bulk(100),
  bulk(1000),
  // SQLite writes one transaction at a time: 32 concurrent imports queue behind each other. Alone, the
  // latency is that of one import.
  bulk(1000, 1),
  {
    name: 'trpc-get-contact',
    title: 'get a contact by id through tRPC',
    write: false,
    requests: (ctx) =>
      get(ctx, () => `/trpc/contacts.get?input=${encodeURIComponent(JSON.stringify({ id: randomInt(ctx.contacts) }))}`),
  },
  ...UNDER_IMPORTS,
];
