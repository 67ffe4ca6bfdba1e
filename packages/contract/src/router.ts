import { initContract } from '@ts-rest/core';
import { z } from 'zod';
import { meta, streamed } from './access.js';
import { LoginRequestSchema, RefreshRequestSchema, TokenPairSchema, UserSchema } from './auth.js';
import {
  cursorPage,
  ErrorEnvelopeSchema,
  envelope,
  headerPage,
  IdParamsSchema,
  MessageEnvelopeSchema,
  page,
} from './common.js';
import {
  BulkCreateRequestSchema,
  BulkCreateResultSchema,
  ContactCreateSchema,
  ContactExportQuerySchema,
  ContactListQuerySchema,
  ContactPatchSchema,
  ContactSchema,
  ContactStatsSchema,
  ContactUpdateSchema,
  CustomerContactsSchema,
  CustomersWithContactsQuerySchema,
  CustomerWithContactsSchema,
  SEARCH_COUNT_LIMIT,
} from './contacts.js';
import { CONTACT_CSV_COLUMNS, EXPORT_FORMATS } from './csv.js';
import {
  CustomerCreateSchema,
  CustomerListQuerySchema,
  CustomerLookupRequestSchema,
  CustomerLookupSchema,
  CustomerPatchSchema,
  CustomerSchema,
  CustomerUpdateSchema,
} from './customers.js';
import { EventListQuerySchema, EventPageSchema, EventSchema, HistoryQuerySchema } from './events.js';
import { ApiIndexSchema, HealthSchema, ReadySchema } from './health.js';
import {
  PasswordChangeSchema,
  UserAccountSchema,
  UserCreateSchema,
  UserListQuerySchema,
  UserPatchSchema,
} from './users.js';
import {
  DeliveryListQuerySchema,
  DeliveryParamsSchema,
  WebhookCreateSchema,
  WebhookDeliverySchema,
  WebhookListQuerySchema,
  WebhookPatchSchema,
  WebhookSchema,
  WebhookUpdatedSchema,
  WebhookWithSecretSchema,
} from './webhooks.js';

const c = initContract();

const BulkCreateResponseSchema = z.object({
  success: z.boolean(),
  message: z.string(),
  data: BulkCreateResultSchema,
});

const auth = c.router({
  login: {
    method: 'POST',
    path: '/auth/token/',
    body: LoginRequestSchema,
    responses: { 200: envelope(TokenPairSchema) },
    metadata: meta('public'),
    summary: 'Log in with username and password; returns an access and a refresh token',
  },
  refresh: {
    method: 'POST',
    path: '/auth/token/refresh/',
    body: RefreshRequestSchema,
    responses: { 200: envelope(TokenPairSchema) },
    metadata: meta('public'),
    summary: 'Trade a refresh token for a new pair (the old refresh token stops working)',
  },
  logout: {
    method: 'POST',
    path: '/auth/logout/',
    body: RefreshRequestSchema,
    responses: { 200: MessageEnvelopeSchema },
    metadata: meta('public'),
    summary: 'Revoke a refresh token',
  },
  me: {
    method: 'GET',
    path: '/auth/me/',
    responses: { 200: envelope(UserSchema) },
    metadata: meta('read'),
    summary: 'The signed-in user',
  },
  changePassword: {
    method: 'POST',
    path: '/auth/password/',
    body: PasswordChangeSchema,
    responses: { 200: envelope(TokenPairSchema) },
    metadata: meta('read'),
    summary: "Change the signed-in user's password; every other session ends, a new token pair is returned",
  },
});

const users = c.router({
  list: {
    method: 'GET',
    path: '/users/',
    query: UserListQuerySchema,
    responses: { 200: envelope(page(UserAccountSchema)) },
    metadata: meta('admin'),
    summary: 'List users',
  },
  create: {
    method: 'POST',
    path: '/users/',
    body: UserCreateSchema,
    responses: { 201: envelope(UserAccountSchema) },
    metadata: meta('admin'),
    summary: 'Create a user',
  },
  get: {
    method: 'GET',
    path: '/users/:id/',
    pathParams: IdParamsSchema,
    responses: { 200: envelope(UserAccountSchema) },
    metadata: meta('admin'),
    summary: 'Get a user',
  },
  update: {
    method: 'PATCH',
    path: '/users/:id/',
    pathParams: IdParamsSchema,
    body: UserPatchSchema,
    responses: { 200: envelope(UserAccountSchema) },
    metadata: meta('admin'),
    summary: "Change a user's role or deactivate/reactivate it (deactivating ends its sessions)",
  },
  revokeSessions: {
    method: 'POST',
    path: '/users/:id/revoke-sessions/',
    pathParams: IdParamsSchema,
    body: c.noBody(),
    responses: { 200: MessageEnvelopeSchema },
    metadata: meta('admin'),
    summary: "Revoke all of a user's refresh tokens",
  },
});

const customers = c.router({
  list: {
    method: 'GET',
    path: '/customers/',
    query: CustomerListQuerySchema,
    responses: { 200: envelope(cursorPage(CustomerSchema)) },
    metadata: meta('read'),
    summary: 'List customers',
  },
  create: {
    method: 'POST',
    path: '/customers/',
    body: CustomerCreateSchema,
    responses: { 201: envelope(CustomerSchema) },
    metadata: meta('write'),
    summary: 'Create a customer (customer_id is assigned by the server)',
  },
  lookup: {
    method: 'POST',
    path: '/customers/lookup/',
    body: CustomerLookupRequestSchema,
    responses: { 200: envelope(CustomerLookupSchema) },
    metadata: meta('read'),
    summary: 'Find customers by id, code or username (the `customer` column of a contacts import)',
    description:
      'Each reference names one customer: digits are its id, `CUST` and digits its code (in any case), anything ' +
      'else its username. The answer lists every reference in the order given, with the customer it names (its ' +
      'id, code, username and whether it is active) or null. Changes nothing; an Idempotency-Key is ignored.',
  },
  get: {
    method: 'GET',
    path: '/customers/:id/',
    pathParams: IdParamsSchema,
    responses: { 200: envelope(CustomerSchema), 304: c.noBody() },
    metadata: meta('read'),
    summary: 'Get a customer (its version as a strong ETag; If-None-Match answers 304)',
  },
  update: {
    method: 'PUT',
    path: '/customers/:id/',
    pathParams: IdParamsSchema,
    body: CustomerUpdateSchema,
    responses: { 200: envelope(CustomerSchema) },
    metadata: meta('write'),
    summary: 'Replace a customer',
  },
  patch: {
    method: 'PATCH',
    path: '/customers/:id/',
    pathParams: IdParamsSchema,
    body: CustomerPatchSchema,
    responses: { 200: envelope(CustomerSchema) },
    metadata: meta('write'),
    summary: 'Update some fields of a customer',
  },
  delete: {
    method: 'DELETE',
    path: '/customers/:id/',
    pathParams: IdParamsSchema,
    body: c.noBody(),
    responses: { 204: c.noBody() },
    metadata: meta('write'),
    summary: 'Delete a customer and its contacts',
  },
  contacts: {
    method: 'GET',
    path: '/customers/:id/contacts/',
    pathParams: IdParamsSchema,
    responses: { 200: envelope(CustomerContactsSchema) },
    metadata: meta('read'),
    summary: "A customer's contacts: primary first, then newest",
  },
  history: {
    method: 'GET',
    path: '/customers/:id/history/',
    pathParams: IdParamsSchema,
    query: HistoryQuerySchema,
    responses: { 200: envelope(page(EventSchema)) },
    metadata: meta('read'),
    summary: "A customer's changes, newest first (kept after it is deleted)",
  },
  withContacts: {
    method: 'GET',
    path: '/customers-with-contacts/',
    query: CustomersWithContactsQuerySchema,
    responses: { 200: envelope(headerPage(CustomerWithContactsSchema)) },
    metadata: meta('read'),
    summary: 'Customers with their contacts (total in X-Total-Count, neighbours in Link)',
  },
});

const contacts = c.router({
  list: {
    method: 'GET',
    path: '/contacts/',
    query: ContactListQuerySchema,
    responses: { 200: envelope(cursorPage(ContactSchema)) },
    metadata: meta('read'),
    summary: 'List contacts with filters, search, ordering and pagination',
    description:
      `With \`search\`, \`count\` is exact up to ${SEARCH_COUNT_LIMIT.toLocaleString('en')} matches; a larger match set ` +
      `answers ${SEARCH_COUNT_LIMIT.toLocaleString('en')} and its numbered pages end there (page further by \`cursor\`).`,
  },
  create: {
    method: 'POST',
    path: '/contacts/',
    body: ContactCreateSchema,
    responses: { 201: envelope(ContactSchema) },
    metadata: meta('write'),
    summary: 'Create a contact',
  },
  // Fixed paths come before `/contacts/:id/` so that Express never reads them as an id.
  stats: {
    method: 'GET',
    path: '/contacts/stats/',
    responses: { 200: envelope(ContactStatsSchema) },
    metadata: meta('read'),
    summary: 'Contact statistics',
  },
  bulkCreate: {
    method: 'POST',
    path: '/contacts/bulk-create/',
    body: BulkCreateRequestSchema,
    responses: { 201: BulkCreateResponseSchema, 207: BulkCreateResponseSchema },
    metadata: meta('write'),
    summary: 'Create up to 1,000 contacts; each item succeeds or fails on its own',
  },
  export: {
    method: 'GET',
    path: '/contacts/export/',
    query: ContactExportQuerySchema,
    responses: { 200: c.otherResponse({ contentType: EXPORT_FORMATS.csv, body: z.string() }) },
    metadata: streamed('read', { formats: EXPORT_FORMATS, csvColumns: CONTACT_CSV_COLUMNS, filename: 'contacts' }),
    summary: 'Every contact matching the list filters, as one CSV or NDJSON file, streamed',
    description:
      'Takes the filters and ordering of `GET /api/contacts/` (no paging: every match) and `format`: `csv` ' +
      '(default; the columns of the contacts import, so that the file imports again; a cell a spreadsheet would ' +
      'run as a formula starts with an apostrophe) or `ndjson` (one contact as in the list per line). Sent as an ' +
      'attachment, read from the database a page at a time as the client takes it. An error found before the ' +
      'first byte (a bad filter, no database) is the usual error envelope; a failure after it ends the answer ' +
      'early (the CSV lacks its last lines, the chunked answer has no final chunk): check that the transfer ' +
      'completed. REST only.',
  },
  get: {
    method: 'GET',
    path: '/contacts/:id/',
    pathParams: IdParamsSchema,
    responses: { 200: envelope(ContactSchema), 304: c.noBody() },
    metadata: meta('read'),
    summary: 'Get a contact (its version as a strong ETag; If-None-Match answers 304)',
  },
  update: {
    method: 'PUT',
    path: '/contacts/:id/',
    pathParams: IdParamsSchema,
    body: ContactUpdateSchema,
    responses: { 200: envelope(ContactSchema) },
    metadata: meta('write'),
    summary: 'Replace a contact (the customer cannot change)',
  },
  patch: {
    method: 'PATCH',
    path: '/contacts/:id/',
    pathParams: IdParamsSchema,
    body: ContactPatchSchema,
    responses: { 200: envelope(ContactSchema) },
    metadata: meta('write'),
    summary: 'Update some fields of a contact',
  },
  delete: {
    method: 'DELETE',
    path: '/contacts/:id/',
    pathParams: IdParamsSchema,
    body: c.noBody(),
    responses: { 204: c.noBody() },
    metadata: meta('write'),
    summary: 'Delete a contact',
  },
  setPrimary: {
    method: 'POST',
    path: '/contacts/:id/set-primary/',
    pathParams: IdParamsSchema,
    body: c.noBody(),
    responses: { 200: envelope(ContactSchema) },
    metadata: meta('write'),
    summary: "Make a contact its customer's primary (the previous primary is demoted)",
  },
  toggleStatus: {
    method: 'POST',
    path: '/contacts/:id/toggle-status/',
    pathParams: IdParamsSchema,
    body: c.noBody(),
    responses: { 200: envelope(ContactSchema) },
    metadata: meta('write'),
    summary: 'Flip a contact between active and inactive',
  },
  history: {
    method: 'GET',
    path: '/contacts/:id/history/',
    pathParams: IdParamsSchema,
    query: HistoryQuerySchema,
    responses: { 200: envelope(page(EventSchema)) },
    metadata: meta('read'),
    summary: "A contact's changes, newest first (kept after it is deleted)",
  },
});

const events = c.router({
  list: {
    method: 'GET',
    path: '/events/',
    query: EventListQuerySchema,
    responses: { 200: envelope(EventPageSchema) },
    metadata: meta('write'),
    summary: 'Every change, in order: read on from the last next_cursor (wait=N long-polls up to 30 s)',
  },
});

const webhooks = c.router({
  list: {
    method: 'GET',
    path: '/webhooks/',
    query: WebhookListQuerySchema,
    responses: { 200: envelope(page(WebhookSchema)) },
    metadata: meta('admin'),
    summary: 'List webhooks',
  },
  create: {
    method: 'POST',
    path: '/webhooks/',
    body: WebhookCreateSchema,
    responses: { 201: envelope(WebhookWithSecretSchema) },
    metadata: meta('admin'),
    summary: 'Register a webhook: its signing secret is answered this once',
  },
  get: {
    method: 'GET',
    path: '/webhooks/:id/',
    pathParams: IdParamsSchema,
    responses: { 200: envelope(WebhookSchema) },
    metadata: meta('admin'),
    summary: 'Get a webhook',
  },
  update: {
    method: 'PATCH',
    path: '/webhooks/:id/',
    pathParams: IdParamsSchema,
    body: WebhookPatchSchema,
    responses: { 200: envelope(WebhookUpdatedSchema) },
    metadata: meta('admin'),
    summary: 'Change a webhook, or rotate its secret (both sign for 24 hours)',
  },
  delete: {
    method: 'DELETE',
    path: '/webhooks/:id/',
    pathParams: IdParamsSchema,
    body: c.noBody(),
    responses: { 204: c.noBody() },
    metadata: meta('admin'),
    summary: 'Delete a webhook',
  },
  deliveries: {
    method: 'GET',
    path: '/webhooks/:id/deliveries/',
    pathParams: IdParamsSchema,
    query: DeliveryListQuerySchema,
    responses: { 200: envelope(page(WebhookDeliverySchema)) },
    metadata: meta('admin'),
    summary: "A webhook's deliveries, newest first: status, attempts, last response and timing, next attempt",
  },
  retryDelivery: {
    method: 'POST',
    path: '/webhooks/:id/deliveries/:delivery_id/retry/',
    pathParams: DeliveryParamsSchema,
    body: c.noBody(),
    responses: { 202: envelope(WebhookDeliverySchema) },
    metadata: meta('admin'),
    summary: 'Send a delivery again now (a failed one gets one more attempt)',
  },
  test: {
    method: 'POST',
    path: '/webhooks/:id/test/',
    pathParams: IdParamsSchema,
    body: c.noBody(),
    responses: { 202: envelope(WebhookDeliverySchema) },
    metadata: meta('admin'),
    summary: 'Send the webhook a ping event now',
  },
});

const health = c.router({
  index: {
    method: 'GET',
    path: '/',
    responses: { 200: envelope(ApiIndexSchema) },
    metadata: meta('public'),
    summary: 'What this API is, and the links to its docs and OpenAPI document',
  },
  health: {
    method: 'GET',
    path: '/health/',
    responses: { 200: envelope(HealthSchema) },
    metadata: meta('public'),
    summary: 'Liveness',
  },
  ready: {
    method: 'GET',
    path: '/ready/',
    responses: { 200: envelope(ReadySchema), 503: ErrorEnvelopeSchema },
    metadata: meta('public'),
    summary: 'Readiness: a write to the database commits',
  },
});

/** The OpenAPI document: checked only for its top-level shape (it is generated from this contract). */
const OpenApiDocumentSchema = z
  .object({
    openapi: z.string(),
    info: z.object({ title: z.string(), version: z.string() }).passthrough(),
    paths: z.record(z.string(), z.unknown()),
  })
  .passthrough();

const docs = c.router({
  openapi: {
    method: 'GET',
    path: '/openapi.json',
    responses: { 200: OpenApiDocumentSchema },
    metadata: meta('public'),
    summary: 'This API as an OpenAPI 3 document',
  },
  page: {
    method: 'GET',
    path: '/docs/',
    responses: { 200: c.otherResponse({ contentType: 'text/html', body: z.string() }) },
    metadata: meta('public'),
    summary: 'Interactive API reference (Swagger UI, served locally)',
  },
});

/** The whole REST API. Every path is under `/api`. */
export const contract = c.router(
  { auth, users, customers, contacts, events, webhooks, health, docs },
  {
    pathPrefix: '/api',
    strictStatusCodes: true,
    commonResponses: {
      400: ErrorEnvelopeSchema,
      401: ErrorEnvelopeSchema,
      403: ErrorEnvelopeSchema,
      404: ErrorEnvelopeSchema,
      413: ErrorEnvelopeSchema,
      409: ErrorEnvelopeSchema,
      412: ErrorEnvelopeSchema,
      415: ErrorEnvelopeSchema,
      422: ErrorEnvelopeSchema,
      429: ErrorEnvelopeSchema,
      500: ErrorEnvelopeSchema,
      503: ErrorEnvelopeSchema,
    },
  },
);
export type Contract = typeof contract;
