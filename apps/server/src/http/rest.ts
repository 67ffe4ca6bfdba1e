import { contract } from '@ccm/contract';
import { initServer } from '@ts-rest/express';
import type { Services } from '../services/index.js';
import { principalOf } from './authenticate.js';
import { docsPage } from './docs.js';
import { type LinkBase, linkHeader, pageBody } from './links.js';
import { apiIndex, openApiDocument } from './openapi.js';

const s = initServer();
const ok = <T>(message: string, data: T) => ({ status: 200 as const, body: { success: true as const, message, data } });
const created = <T>(message: string, data: T) => ({
  status: 201 as const,
  body: { success: true as const, message, data },
});
const noContent = { status: 204 as const, body: undefined };

/** The REST adapter: each route calls one service function and wraps its answer in the seed's envelope. */
export function restRouter(services: Services, base: LinkBase) {
  const { auth, contacts, customers, users } = services;
  return s.router(contract, {
    auth: {
      login: async ({ body, req }) => ok('Login successful', await auth.login(body, { address: req.ip })),
      refresh: async ({ body }) => ok('Token refreshed successfully', await auth.refresh(body.refresh)),
      logout: async ({ body }) => {
        await auth.logout(body.refresh);
        return ok('Logged out successfully', null);
      },
      me: async ({ res }) => ok('User retrieved successfully', await auth.me(principalOf(res))),
      changePassword: async ({ body, res }) =>
        ok('Password changed successfully', await auth.changePassword(principalOf(res), body)),
    },
    users: {
      list: async ({ query, req }) =>
        ok('Users retrieved successfully', pageBody(base(req), req, await users.list(query))),
      create: async ({ body }) => created('User created successfully', await users.create(body)),
      get: async ({ params }) => ok('User retrieved successfully', await users.get(params.id)),
      update: async ({ params, body, res }) =>
        ok('User updated successfully', await users.update(principalOf(res), params.id, body)),
      revokeSessions: async ({ params }) => {
        await users.revokeSessions(params.id);
        return ok('Sessions revoked successfully', null);
      },
    },
    customers: {
      list: async ({ query, req }) =>
        ok('Customers retrieved successfully', pageBody(base(req), req, await customers.list(query))),
      create: async ({ body }) => created('Customer created successfully', await customers.create(body)),
      get: async ({ params }) => ok('Customer retrieved successfully', await customers.get(params.id)),
      update: async ({ params, body }) => ok('Customer updated successfully', await customers.update(params.id, body)),
      patch: async ({ params, body }) => ok('Customer updated successfully', await customers.update(params.id, body)),
      delete: async ({ params }) => {
        await customers.remove(params.id);
        return noContent;
      },
      contacts: async ({ params }) =>
        ok('Customer contacts retrieved successfully', await contacts.ofCustomer(params.id)),
      withContacts: async ({ query, req, res }) => {
        const page = await contacts.customersWithContacts(query);
        res.setHeader('X-Total-Count', String(page.count));
        const link = linkHeader(base(req), req, page);
        if (link) res.setHeader('Link', link);
        return ok('Customers with contacts retrieved successfully', page.results);
      },
    },
    contacts: {
      list: async ({ query, req }) =>
        ok('Contacts retrieved successfully', pageBody(base(req), req, await contacts.list(query))),
      create: async ({ body }) => created('Customer contact created successfully', await contacts.create(body)),
      // Before `get`: Express matches routes in the order they are added, and "stats" would read as an id.
      stats: async () => ok('Contact statistics retrieved successfully', await contacts.stats()),
      bulkCreate: async ({ body }) => {
        const result = await contacts.bulkCreate(body.contacts);
        const made = result.created_contacts.length;
        if (result.errors.length === 0) {
          return {
            status: 201,
            body: { success: true, message: `Created ${made} contacts successfully`, data: result },
          };
        }
        return {
          status: 207,
          body: { success: false, message: `Created ${made} contacts, ${result.errors.length} failed`, data: result },
        };
      },
      get: async ({ params }) => ok('Contact retrieved successfully', await contacts.get(params.id)),
      update: async ({ params, body }) => ok('Contact updated successfully', await contacts.update(params.id, body)),
      patch: async ({ params, body }) => ok('Contact updated successfully', await contacts.update(params.id, body)),
      delete: async ({ params }) => {
        await contacts.remove(params.id);
        return noContent;
      },
      setPrimary: async ({ params }) => ok('Contact set as primary successfully', await contacts.setPrimary(params.id)),
      toggleStatus: async ({ params }) => {
        const contact = await contacts.toggleStatus(params.id);
        return ok(`Contact ${contact.is_active ? 'activated' : 'deactivated'} successfully`, contact);
      },
    },
    health: {
      index: async () => ok('ccm: Customer Contact Management API', apiIndex),
      health: async () => ok('OK', { status: 'ok' as const }),
      ready: async () => {
        await services.ready();
        return ok('Ready', { status: 'ready' as const, database: 'ok' as const });
      },
    },
    // Both built once (openapi.ts, docs.ts).
    docs: {
      openapi: async () => ({ status: 200, body: openApiDocument() }),
      page: async () => ({ status: 200, body: docsPage }),
    },
  });
}
