import SwaggerParser from '@apidevtools/swagger-parser';
import type { RouteMetadata } from '@ccm/contract';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsPlugin from 'ajv-formats';
import { beforeAll, describe, expect, it } from 'vitest';
import { routes } from '../src/http/routeTable.js';
import { contactBody, customerBody } from './support/factories.js';
import { test } from './support/fixture.js';
import { type Api, api, type Res } from './support/http.js';
import { PASSWORDS, type TestServer } from './support/server.js';

// ajv-formats is CommonJS with `exports.default`: under NodeNext the default import is the module object.
const addFormats = addFormatsPlugin as unknown as typeof addFormatsPlugin.default;

// biome-ignore lint/suspicious/noExplicitAny: the document is arbitrary JSON, read as such.
type Json = any;

let t: TestServer;
let doc: Json;

test.beforeAll(async ({ server }) => {
  t = server;
  const res = await t.anon.get('/api/openapi.json');
  expect(res.status).toBe(200);
  doc = res.body;
});

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;
const toOpenApiPath = (path: string) => path.replace(/:(\w+)/g, '{$1}');

describe('the OpenAPI document', () => {
  it('is served publicly as JSON at /api/openapi.json, with or without the trailing slash', async () => {
    const res = await t.anon.get('/api/openapi.json');
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.body.openapi).toMatch(/^3\.0\.\d$/);
    expect((await t.anon.get('/api/openapi.json/')).body).toEqual(res.body);
  });

  it('is a valid OpenAPI 3 document', async () => {
    await expect(SwaggerParser.validate(structuredClone(doc))).resolves.toBeDefined();
  });

  it('has one operation, with summary, tag and a unique operationId, for every contract route', () => {
    const operations = Object.values(doc.paths).flatMap((item: Json) => METHODS.filter((m) => item[m]));
    expect(operations).toHaveLength(routes.length);
    const ids = new Set<string>();
    for (const route of routes) {
      const op = doc.paths[toOpenApiPath(route.path)]?.[route.method.toLowerCase()];
      expect(op, `${route.method} ${route.path}`).toBeDefined();
      expect(op.summary).toBe(route.summary);
      expect(op.operationId).toMatch(/^[a-z][A-Za-z]+$/);
      ids.add(op.operationId);
      expect(op.tags).toHaveLength(1);
      expect(['auth', 'users', 'customers', 'contacts', 'events', 'webhooks', 'health', 'docs']).toContain(op.tags[0]);
    }
    expect(ids.size).toBe(routes.length);
    expect(doc.tags.map((tag: Json) => tag.name)).toEqual([
      'auth',
      'users',
      'customers',
      'contacts',
      'events',
      'webhooks',
      'health',
      'docs',
    ]);
  });

  it('declares the bearer scheme and requires it on every route that is not public, from the metadata', () => {
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'JWT',
    });
    for (const route of routes) {
      const op = doc.paths[toOpenApiPath(route.path)][route.method.toLowerCase()];
      const access = (route.metadata as RouteMetadata).access;
      if (access === 'public') expect(op.security, route.path).toBeUndefined();
      else expect(op.security, `${route.method} ${route.path}`).toEqual([{ bearerAuth: [] }]);
    }
    expect(doc.paths['/api/contacts/'].get.security).toEqual([{ bearerAuth: [] }]);
    expect(doc.paths['/api/auth/token/'].post.security).toBeUndefined();
  });

  it('names the main schemas once and refers to them', () => {
    const schemas = doc.components.schemas;
    for (const name of ['Contact', 'ContactCreate', 'Customer', 'ErrorEnvelope', 'TokenPair', 'BulkCreateRequest']) {
      expect(schemas[name], name).toBeDefined();
    }
    const created = doc.paths['/api/contacts/'].post;
    expect(created.requestBody.content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/ContactCreate',
    });
    expect(created.responses['201'].content['application/json'].schema.properties.data).toEqual({
      $ref: '#/components/schemas/Contact',
    });
    expect(created.responses['400'].content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/ErrorEnvelope',
    });
  });

  it('describes what the generator cannot: bulk items, path ids, the customer_id filter, the HTML page', () => {
    const bulk = doc.paths['/api/contacts/bulk-create/'].post.requestBody;
    expect(bulk.required).toBe(true);
    expect(bulk.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/BulkCreateRequest' });
    expect(doc.components.schemas.BulkCreateRequest.properties.contacts).toMatchObject({
      type: 'array',
      minItems: 1,
      maxItems: 1000,
      items: { $ref: '#/components/schemas/ContactCreate' },
    });
    const id = doc.paths['/api/contacts/{id}/'].get.parameters.find((p: Json) => p.name === 'id');
    expect(id).toMatchObject({ in: 'path', required: true, schema: { type: 'integer', minimum: 1 } });
    const customerId = doc.paths['/api/contacts/'].get.parameters.find((p: Json) => p.name === 'customer_id');
    expect(customerId).toMatchObject({ in: 'query', schema: { type: 'integer', minimum: 1 } });
    expect(customerId.required).toBeUndefined();
    const isPrimary = doc.paths['/api/contacts/'].get.parameters.find((p: Json) => p.name === 'is_primary');
    expect(isPrimary.schema).toEqual({ type: 'boolean' });
    expect(doc.paths['/api/docs/'].get.responses['200'].content).toEqual({
      'text/html': { schema: { type: 'string' } },
    });
    // No schema is left empty by a zod type the generator does not know.
    const empty: string[] = [];
    for (const [path, item] of Object.entries<Json>(doc.paths)) {
      for (const m of METHODS) {
        for (const p of item[m]?.parameters ?? [])
          if (Object.keys(p.schema).length === 0) empty.push(`${path} ${p.name}`);
      }
    }
    expect(empty).toEqual([]);
  });

  it('keeps 404 and 405 right for the documentation paths', async () => {
    const post = await t.anon.post('/api/openapi.json', {});
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    expect((await t.anon.post('/api/docs/', {})).status).toBe(405);
    expect((await t.anon.get('/api/openapiXjson')).status).toBe(404);
    for (const path of ['/api/docs/nothing.js', '/api/docs/index.html', '/api/docs/package.json']) {
      const res = await t.anon.get(path);
      expect(res.status, path).toBe(404);
      expect(res.body).toMatchObject({ success: false, message: 'Not found.' });
    }
    const bundle = await fetch(`${t.url}/api/docs/swagger-ui-bundle.js`);
    expect(bundle.status).toBe(200);
    expect(bundle.headers.get('content-type')).toMatch(/javascript/);
    await bundle.arrayBuffer();
  });
});

/**
 * Every real answer checked against the document: its status is declared for the operation, its content type is
 * the declared one, and its body validates (ajv) against the declared schema.
 */
describe('real responses of every route match the document', () => {
  let ajv: Ajv;
  const validators = new Map<string, ValidateFunction>();
  /** operationId -> statuses seen. */
  const seen = new Map<string, Set<number>>();
  let operations: Array<{ method: string; template: string; pattern: RegExp; params: number; op: Json }>;

  /** OpenAPI 3.0 schema objects to JSON Schema for ajv: refs into one registered schema. */
  function forAjv(node: Json): Json {
    if (Array.isArray(node)) return node.map(forAjv);
    if (!node || typeof node !== 'object') return node;
    const out: Json = {};
    for (const [key, value] of Object.entries<Json>(node)) {
      if (key === '$ref') out.$ref = value.replace('#/components/schemas/', 'openapi.json#/definitions/');
      else if (key === 'exclusiveMinimum' || key === 'exclusiveMaximum') {
        // 3.0's boolean form (the document should have none left, but stay correct if it does).
        if (value === true) out[key] = node[key === 'exclusiveMinimum' ? 'minimum' : 'maximum'];
        else if (value !== false) out[key] = value;
      } else out[key] = forAjv(value);
    }
    return out;
  }

  beforeAll(() => {
    ajv = new Ajv({ allErrors: true, strict: true, strictTypes: false });
    addFormats(ajv);
    ajv.addSchema({ $id: 'openapi.json', definitions: forAjv(doc.components.schemas) });
    operations = Object.entries<Json>(doc.paths).flatMap(([template, item]) =>
      METHODS.filter((m) => item[m]).map((method) => ({
        method,
        template,
        pattern: new RegExp(`^${template.replace(/\./g, '\\.').replace(/\{\w+\}/g, '[^/]+')}$`),
        params: (template.match(/\{/g) ?? []).length,
        op: item[method],
      })),
    );
  });

  /** Sends the request, then checks the answer against the operation the document gives for it. */
  async function call(client: Api, method: string, url: string, body?: unknown): Promise<Res> {
    const res = await client.request(method, url, body);
    const path = new URL(url, 'http://x').pathname;
    const match = operations
      .filter((o) => o.method === method.toLowerCase() && o.pattern.test(path))
      .sort((a, b) => a.params - b.params)[0];
    expect(match, `no operation for ${method} ${path}`).toBeDefined();
    const { op, template } = match!;
    const where = `${method} ${url} -> ${res.status} ${res.text.slice(0, 300)}`;
    const declared = op.responses[String(res.status)];
    expect(declared, `undeclared status: ${where}`).toBeDefined();
    if (!seen.has(op.operationId)) seen.set(op.operationId, new Set());
    seen.get(op.operationId)!.add(res.status);

    if (!declared.content) {
      expect(res.text, where).toBe('');
      return res;
    }
    const [mediaType, media] = Object.entries<Json>(declared.content)[0]!;
    expect(res.headers.get('content-type'), where).toContain(mediaType);
    const key = `${method} ${template} ${res.status}`;
    let validate = validators.get(key);
    if (!validate) {
      validate = ajv.compile(forAjv(media.schema));
      validators.set(key, validate);
    }
    const data = mediaType === 'application/json' ? res.body : res.text;
    expect(validate(data), `${where}\n${ajv.errorsText(validate.errors)}`).toBe(true);
    return res;
  }

  it('the check itself refuses what does not match (refs resolved, formats checked)', () => {
    const schema = doc.paths['/api/contacts/{id}/'].get.responses['200'].content['application/json'].schema;
    const validate = ajv.compile(forAjv(schema));
    const contact = {
      id: 1,
      customer: 1,
      customer_name: 'A B',
      customer_username: 'ab',
      email: 'a@example.com',
      wa_number: '+94771234567',
      tp_number: '+94112345678',
      is_primary: true,
      is_active: true,
      contact_info: { email: 'a@example.com', whatsapp: '+94771234567', telephone: '+94112345678', is_primary: true },
      created_at: '2024-01-01T00:00:00.000Z',
      updated_at: '2024-01-01T00:00:00.000Z',
      version: 1,
    };
    expect(validate({ success: true, message: 'ok', data: contact })).toBe(true);
    expect(validate({ success: true, message: 'ok', data: { ...contact, is_active: 'yes' } })).toBe(false);
    expect(validate({ success: true, message: 'ok', data: { ...contact, created_at: 'yesterday' } })).toBe(false);
    expect(validate({ success: false, message: 'ok', data: contact })).toBe(false);
  });

  it('auth, health and docs', async () => {
    const { anon, admin, viewer } = t;
    await call(anon, 'GET', '/api/');
    await call(anon, 'GET', '/api/health/');
    await call(anon, 'GET', '/api/ready/');
    await call(anon, 'GET', '/api/openapi.json');
    await call(anon, 'GET', '/api/docs/');

    const login = await call(anon, 'POST', '/api/auth/token/', { username: 'staff', password: PASSWORDS.staff });
    expect(login.status).toBe(200);
    await call(anon, 'POST', '/api/auth/token/', { username: 'staff', password: 'wrong password' });
    await call(anon, 'POST', '/api/auth/token/', {});
    const refreshed = await call(anon, 'POST', '/api/auth/token/refresh/', { refresh: login.body.data.refresh });
    expect(refreshed.status).toBe(200);
    await call(anon, 'POST', '/api/auth/token/refresh/', { refresh: login.body.data.refresh }); // spent: 401
    await call(anon, 'POST', '/api/auth/token/refresh/', {});
    expect((await call(anon, 'POST', '/api/auth/logout/', { refresh: refreshed.body.data.refresh })).status).toBe(200);
    await call(anon, 'POST', '/api/auth/logout/', { refresh: 'not-a-token' });
    await call(anon, 'POST', '/api/auth/logout/', {});
    await call(admin, 'GET', '/api/auth/me/');
    await call(viewer, 'GET', '/api/auth/me/');
  });

  it('users and the password change', async () => {
    const { anon, admin } = t;
    const body = { username: 'openapi-user', email: 'openapi@example.com', password: 'password-123', role: 'viewer' };
    const made = await call(admin, 'POST', '/api/users/', body);
    expect(made.status).toBe(201);
    const id = made.body.data.id;
    await call(admin, 'POST', '/api/users/', { username: 'x' });
    await call(admin, 'GET', '/api/users/?page_size=5');
    await call(admin, 'GET', '/api/users/?page_size=0');
    await call(admin, 'GET', `/api/users/${id}/`);
    expect((await call(admin, 'PATCH', `/api/users/${id}/`, { role: 'staff' })).status).toBe(200);
    await call(admin, 'PATCH', `/api/users/${id}/`, { role: 'root' });
    expect((await call(admin, 'POST', `/api/users/${id}/revoke-sessions/`)).status).toBe(200);
    const pair = await anon.post('/api/auth/token/', { username: body.username, password: body.password });
    const own = api(t.url, pair.body.data.access);
    const change = { current_password: body.password, new_password: 'password-456' };
    const changed = await call(own, 'POST', '/api/auth/password/', change);
    expect(changed.status).toBe(200);
    // The change ended the session of the token it was made with: the new pair carries on.
    const next = api(t.url, changed.body.data.access);
    await call(next, 'POST', '/api/auth/password/', { current_password: 'wrong', new_password: 'password-789' });
  });

  it('webhooks', async () => {
    const { admin } = t;
    // TEST-NET-1 (RFC 5737): a public address that no network routes, so the ping goes nowhere.
    const made = await call(admin, 'POST', '/api/webhooks/', { url: 'https://192.0.2.10/hook', events: ['*'] });
    expect(made.status).toBe(201);
    const id = made.body.data.id;
    await call(admin, 'POST', '/api/webhooks/', { url: 'http://127.0.0.1/hook', events: ['*'] });
    await call(admin, 'GET', '/api/webhooks/?page_size=5');
    await call(admin, 'GET', '/api/webhooks/?page_size=0');
    await call(admin, 'GET', `/api/webhooks/${id}/`);
    expect((await call(admin, 'PATCH', `/api/webhooks/${id}/`, { rotate_secret: true })).status).toBe(200);
    await call(admin, 'PATCH', `/api/webhooks/${id}/`, { events: [] });
    // Inactive: its ping waits, and is not being sent when it is retried.
    await call(admin, 'PATCH', `/api/webhooks/${id}/`, { is_active: false });
    const ping = await call(admin, 'POST', `/api/webhooks/${id}/test/`);
    expect(ping.status).toBe(202);
    await call(admin, 'GET', `/api/webhooks/${id}/deliveries/?status=pending`);
    await call(admin, 'GET', `/api/webhooks/${id}/deliveries/?page_size=0`);
    const retried = await call(admin, 'POST', `/api/webhooks/${id}/deliveries/${ping.body.data.id}/retry/`);
    expect(retried.status).toBe(202);
    expect((await call(admin, 'DELETE', `/api/webhooks/${id}/`)).status).toBe(204);
  });

  it('customers and contacts, successes and the usual failures', async () => {
    const { admin, staff, viewer } = t;
    const customer = (await call(admin, 'POST', '/api/customers/', customerBody({ address: 'Colombo' }))).body.data;
    const other = (await call(staff, 'POST', '/api/customers/', customerBody())).body.data;
    const id = customer.id;
    await call(admin, 'POST', '/api/customers/', { username: 'x' });
    await call(viewer, 'GET', '/api/customers/?is_active=true&search=user&ordering=-id&page_size=5');
    await call(viewer, 'GET', '/api/customers/?page_size=0');
    await call(viewer, 'GET', '/api/customers/?page=999');
    await call(viewer, 'GET', `/api/customers/${id}/`);
    const put = customerBody({ phone_number: '0771234567' });
    await call(admin, 'PUT', `/api/customers/${id}/`, put);
    await call(admin, 'PUT', `/api/customers/${id}/`, { username: 'only' });
    await call(admin, 'PATCH', `/api/customers/${id}/`, { is_verified: true, address: null });
    await call(admin, 'PATCH', `/api/customers/${id}/`, { nic: 'bad' });

    const first = (await call(staff, 'POST', '/api/contacts/', contactBody(id, { is_primary: true }))).body.data;
    const second = (await call(staff, 'POST', '/api/contacts/', contactBody(id))).body.data;
    await call(staff, 'POST', '/api/contacts/', contactBody(id, { email: first.email })); // duplicate: 400
    await call(staff, 'POST', '/api/contacts/', { customer: id });
    await call(viewer, 'GET', `/api/contacts/?customer_id=${id}&is_active=true&is_primary=false&ordering=email`);
    await call(viewer, 'GET', '/api/contacts/?is_primary=maybe');
    await call(viewer, 'GET', '/api/contacts/?page=999');
    await call(viewer, 'GET', '/api/contacts/stats/');
    await call(viewer, 'GET', `/api/contacts/${first.id}/`);
    await call(staff, 'PUT', `/api/contacts/${second.id}/`, contactBody(id, { is_active: true }));
    await call(staff, 'PUT', `/api/contacts/${second.id}/`, { email: 'x@example.com' });
    await call(staff, 'PATCH', `/api/contacts/${second.id}/`, { tp_number: '0112999888' });
    await call(staff, 'PATCH', `/api/contacts/${second.id}/`, { customer: other.id });
    expect((await call(staff, 'POST', `/api/contacts/${second.id}/set-primary/`)).body.data.is_primary).toBe(true);
    await call(staff, 'POST', `/api/contacts/${first.id}/toggle-status/`);
    await call(viewer, 'GET', `/api/customers/${id}/contacts/`);
    await call(viewer, 'GET', `/api/customers/${id}/history/?page_size=5`);
    await call(viewer, 'GET', `/api/customers/${id}/history/?page=0`);
    await call(viewer, 'GET', `/api/contacts/${first.id}/history/?page_size=abc`);
    await call(viewer, 'GET', `/api/contacts/${first.id}/history/`);
    await call(staff, 'GET', `/api/events/?types=contact.created,customer.updated&page_size=3`);
    await call(staff, 'GET', '/api/events/?after=x');
    // One customer with a primary contact, one without: `primary_contact` is an object or null.
    const view = await call(viewer, 'GET', '/api/customers-with-contacts/?page_size=10');
    expect(view.body.data.map((c: Json) => c.primary_contact === null).sort()).toEqual([false, true]);
    await call(viewer, 'GET', '/api/customers-with-contacts/?page=abc');
    await call(viewer, 'GET', '/api/customers-with-contacts/?page=999');
    const references = [String(id), customer.customer_id, put.username, 'nobody-at-all'];
    const found = await call(viewer, 'POST', '/api/customers/lookup/', { references });
    expect(found.body.data.customers.map((c: Json) => c.customer?.id ?? null)).toEqual([id, id, id, null]);
    await call(viewer, 'POST', '/api/customers/lookup/', { references: [] });
    expect((await call(viewer, 'GET', `/api/contacts/export/?customer_id=${id}`)).text).toContain(first.email);
    await call(viewer, 'GET', '/api/contacts/export/?format=xlsx');

    const all = await call(staff, 'POST', '/api/contacts/bulk-create/', {
      contacts: [contactBody(other.id), contactBody(other.id, { is_primary: true })],
    });
    expect(all.status).toBe(201);
    const some = await call(staff, 'POST', '/api/contacts/bulk-create/', {
      contacts: [contactBody(other.id), { customer: other.id, email: 'bad' }],
    });
    expect(some.status).toBe(207);
    expect((await call(staff, 'POST', '/api/contacts/bulk-create/', { contacts: [{}] })).status).toBe(400);
    await call(staff, 'POST', '/api/contacts/bulk-create/', { contacts: [] });

    expect((await call(staff, 'DELETE', `/api/contacts/${first.id}/`)).status).toBe(204);
    expect((await call(admin, 'DELETE', `/api/customers/${other.id}/`)).status).toBe(204);
  });

  it('401 without a token, 403 for a viewer writing, 404 for a missing id', async () => {
    const { anon, admin, viewer } = t;
    const customer = (await admin.post('/api/customers/', customerBody())).body.data;
    const missing = 999999;
    for (const { method, template, op } of operations) {
      const verb = method.toUpperCase();
      const url = template.replace(/\{\w+\}/g, String(missing));
      // A valid body, so that a missing id is what fails.
      const body = ['PUT', 'PATCH'].includes(verb)
        ? template.startsWith('/api/customers/')
          ? customerBody()
          : contactBody(customer.id)
        : verb === 'POST' && template === '/api/contacts/'
          ? contactBody(customer.id)
          : verb === 'POST' && template === '/api/customers/'
            ? customerBody()
            : verb === 'POST' && template.endsWith('bulk-create/')
              ? { contacts: [contactBody(customer.id)] }
              : undefined;
      if (op.security) expect((await call(anon, verb, url, body)).status, `${verb} ${url}`).toBe(401);
      if (op.description.includes('Access: write')) {
        expect((await call(viewer, verb, url, body)).status, `${verb} ${url}`).toBe(403);
      }
      if (template.includes('{id}')) expect((await call(admin, verb, url, body)).status, `${verb} ${url}`).toBe(404);
    }
    await call(admin, 'GET', '/api/contacts/abc/'); // not an id: 404 too
  });

  it('describes what a webhook endpoint receives (x-webhooks): events of the feed and a ping validate', async () => {
    const body = doc['x-webhooks'].event.post.requestBody.content['application/json'].schema;
    expect(body).toEqual({ $ref: '#/components/schemas/WebhookPayload' });
    const validate = ajv.getSchema('openapi.json#/definitions/WebhookPayload')!;
    await t.staff.post('/api/customers/', customerBody());
    const events = (await t.staff.get('/api/events/?page_size=50')).body.data.results as Json[];
    expect(events.length).toBeGreaterThan(0);
    for (const e of events) expect(validate(e), JSON.stringify(validate.errors)).toBe(true);
    const ping = { id: 'msg_1', type: 'ping', occurred_at: new Date().toISOString(), data: { webhook_id: 1 } };
    expect(validate(ping), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ ...ping, type: 'pong' })).toBe(false);
  });

  it('covered every operation: a success each, and 400/401/404 wherever they can happen', () => {
    for (const { template, op, method } of operations) {
      const statuses = [...(seen.get(op.operationId) ?? [])];
      const where = `${method.toUpperCase()} ${template}: ${statuses}`;
      expect(
        statuses.some((s) => s >= 200 && s < 300),
        where,
      ).toBe(true);
      if (op.security) expect(statuses, where).toContain(401);
      if (template.includes('{id}')) expect(statuses, where).toContain(404);
      if (op.requestBody || op.parameters.some((p: Json) => p.in === 'query')) expect(statuses, where).toContain(400);
    }
  });
});
