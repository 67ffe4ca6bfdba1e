import http from 'node:http';
import {
  API_VERSION,
  BulkCreateRequestSchema,
  BulkCreateResultSchema,
  BulkItemErrorSchema,
  ContactCreateSchema,
  ContactEventSchema,
  ContactPatchSchema,
  ContactSchema,
  ContactStatsSchema,
  ContactUpdateSchema,
  CustomerContactsSchema,
  CustomerCreateSchema,
  CustomerEventSchema,
  CustomerLookupRequestSchema,
  CustomerLookupSchema,
  CustomerPatchSchema,
  CustomerRefSchema,
  CustomerSchema,
  CustomerWithContactsSchema,
  contract,
  ErrorEnvelopeSchema,
  LoginRequestSchema,
  page,
  RefreshRequestSchema,
  type RouteMetadata,
  type StreamSpec,
  TokenPairSchema,
  UserEventSchema,
  UserSchema,
  WebhookDeliverySchema,
  WebhookPayloadSchema,
  WebhookPingSchema,
  WebhookSchema,
} from '@ccm/contract';
import { type AppRoute, initContract } from '@ts-rest/core';
import { generateOpenApi } from '@ts-rest/open-api';
import type { ZodTypeAny } from 'zod';
import type { AnyOperation } from '../operations.js';

/**
 * The OpenAPI 3.0 document of the REST API, generated from the contract once, when the server starts, and
 * served as is by `GET /api/openapi.json` (and read by the Swagger UI page at `/api/docs/`).
 *
 * `@ts-rest/open-api` does the bulk of the work; what it gets wrong for this contract is fixed after it:
 * - it inlines every schema: the contract's main shapes become `components.schemas` and `$ref`s, found by
 *   comparing the generated JSON (so a nested Contact inside a page or a view is the same `Contact`);
 * - its zod converter knows no `z.pipeline`, so the path ids (digits piped into a positive integer) come out
 *   as `{}`: they get the schema of the pipeline's output;
 * - the bulk-create items are `z.custom` (each item is validated by the server on its own, so that one bad
 *   item fails alone): the document says what an item is, a `ContactCreate`;
 * - it writes numeric `exclusiveMinimum` (OpenAPI 3.1) into a 3.0 document: turned into `minimum`;
 * - it writes `z.null()` (the `data` of logout and the like) as a string of format "null": `enum: [null]`;
 * - it knows nothing of auth: every route that is not public gets the `bearerAuth` (JWT) requirement, from
 *   the route's `access` metadata, the same metadata the server enforces;
 * - it drops non-JSON responses: the docs page is described as `text/html`, a streamed file (the export) in
 *   each of its formats;
 * - it knows no headers: `Idempotency-Key`, `If-Match`, `If-None-Match` and `ETag` are described where the
 *   operation table says the operation takes or sends them.
 */

type Json = Record<string, unknown>;
type Mode = 'input' | 'output';

const INFO = {
  title: 'ccm: Customer Contact Management API',
  version: API_VERSION,
  description:
    'Customers and their contacts. Every answer is an envelope: `{success: true, message, data}` or ' +
    '`{success: false, message, errors: {field: [messages]}}`. Log in with `POST /api/auth/token/` and send the ' +
    '`access` token as `Authorization: Bearer <token>`; it is short-lived (`expires_in` seconds), and ' +
    '`POST /api/auth/token/refresh/` trades the refresh token for a new pair.',
};

const TAGS = [
  { name: 'auth', description: 'Tokens and the signed-in user' },
  { name: 'users', description: 'User administration (admin only)' },
  { name: 'customers', description: 'Customers, and their contacts as views' },
  { name: 'contacts', description: 'Contacts of customers' },
  { name: 'events', description: 'The record of changes, in order' },
  { name: 'webhooks', description: 'Webhook endpoints (admin only)' },
  { name: 'health', description: 'Liveness and readiness' },
  { name: 'docs', description: 'This document and its interactive reference' },
];

const BEARER = [{ bearerAuth: [] }];

/** The shapes named in `components.schemas`: request bodies read as input, responses as output. */
const NAMED: Array<[string, ZodTypeAny, Mode]> = [
  ['Contact', ContactSchema, 'output'],
  ['ContactPage', page(ContactSchema), 'output'],
  ['ContactStats', ContactStatsSchema, 'output'],
  ['BulkItemError', BulkItemErrorSchema, 'output'],
  ['BulkCreateResult', BulkCreateResultSchema, 'output'],
  ['Customer', CustomerSchema, 'output'],
  ['CustomerPage', page(CustomerSchema), 'output'],
  ['CustomerRef', CustomerRefSchema, 'output'],
  ['CustomerContacts', CustomerContactsSchema, 'output'],
  ['CustomerWithContacts', CustomerWithContactsSchema, 'output'],
  ['CustomerLookup', CustomerLookupSchema, 'output'],
  ['User', UserSchema, 'output'],
  ['TokenPair', TokenPairSchema, 'output'],
  ['ErrorEnvelope', ErrorEnvelopeSchema, 'output'],
  ['CustomerEvent', CustomerEventSchema, 'output'],
  ['ContactEvent', ContactEventSchema, 'output'],
  ['UserEvent', UserEventSchema, 'output'],
  ['WebhookPing', WebhookPingSchema, 'output'],
  ['WebhookPayload', WebhookPayloadSchema, 'output'],
  ['Webhook', WebhookSchema, 'output'],
  ['WebhookDelivery', WebhookDeliverySchema, 'output'],
  ['LoginRequest', LoginRequestSchema, 'input'],
  ['RefreshRequest', RefreshRequestSchema, 'input'],
  ['ContactCreate', ContactCreateSchema, 'input'],
  ['ContactUpdate', ContactUpdateSchema, 'input'],
  ['ContactPatch', ContactPatchSchema, 'input'],
  ['BulkCreateRequest', BulkCreateRequestSchema, 'input'],
  ['CustomerCreate', CustomerCreateSchema, 'input'], // also the PUT body
  ['CustomerPatch', CustomerPatchSchema, 'input'],
  ['CustomerLookupRequest', CustomerLookupRequestSchema, 'input'],
];

const ACCESS_TEXT: Record<RouteMetadata['access'], string> = {
  public: 'Access: public (no token).',
  read: 'Access: read (any signed-in user).',
  write: 'Access: write (admin or staff; a viewer gets 403).',
  admin: 'Access: admin only.',
};

const signedHeader = (name: string, description: string) => ({
  name,
  in: 'header',
  required: true,
  description,
  schema: { type: 'string' },
});

/**
 * What a webhook's endpoint receives (OpenAPI 3.0 has no `webhooks` section: `x-webhooks`, which Redoc and others
 * read). docs/api.md, "Webhooks", says the rest.
 */
const X_WEBHOOKS = {
  event: {
    post: {
      summary: 'A change, or a ping, sent to a webhook endpoint',
      description:
        'Signed as the Standard Webhooks specification says. Answer any 2xx within 10 s (WEBHOOK_TIMEOUT_MS); ' +
        'anything else, a redirect included, is retried with the same `webhook-id` (about 5 s, 5 min, 30 min, 2 h, ' +
        '5 h, 10 h, 10 h). Events of one record come in `sequence` order.',
      tags: ['webhooks'],
      parameters: [
        signedHeader(
          'webhook-id',
          'The event id (`evt_…`, `msg_…` for a ping): the same on every attempt; deduplicate on it.',
        ),
        signedHeader(
          'webhook-timestamp',
          'When this attempt was sent, in Unix seconds; refuse one more than 5 minutes off.',
        ),
        signedHeader(
          'webhook-signature',
          '`v1,<base64 HMAC-SHA256 of "id.timestamp.body" with the secret>`; during a rotation two, space-separated.',
        ),
      ],
      requestBody: {
        required: true,
        content: { 'application/json': { schema: { $ref: '#/components/schemas/WebhookPayload' } } },
      },
      responses: { '200': { description: 'Received (any 2xx will do).' } },
    },
  },
};

/** One zod schema through the same converter as the contract (a one-route probe: its converter is not exported). */
function toSchema(schema: ZodTypeAny, mode: Mode): Json {
  const probe = initContract().router({
    probe: { method: 'POST', path: '/', body: schema, responses: { 200: schema } },
  });
  const op = generateOpenApi(probe, { info: { title: '', version: '' } }).paths['/']?.post;
  const schemaOf =
    mode === 'input'
      ? op?.requestBody?.content['application/json']
      : op?.responses['200']?.content?.['application/json'];
  return fix3_0(schemaOf.schema as Json);
}

/**
 * In place, everywhere below `node`: numeric `exclusiveMinimum`/`exclusiveMaximum` (3.1) to the 3.0 form, and
 * no `nullable` without a `type` (the converter's `z.unknown()`: 3.0 ignores it there, validators refuse it).
 */
function fix3_0<T>(node: T): T {
  if (Array.isArray(node)) node.forEach(fix3_0);
  else if (node && typeof node === 'object') {
    const o = node as Json;
    if (o.nullable === true && o.type === undefined) delete o.nullable;
    // `z.null()` comes out as a string of format "null": in 3.0 (no null type), a nullable type whose only value is null.
    if (o.format === 'null') {
      delete o.format;
      Object.assign(o, { nullable: true, enum: [null] });
    }
    for (const [key, bound, step] of [
      ['exclusiveMinimum', 'minimum', 1],
      ['exclusiveMaximum', 'maximum', -1],
    ] as const) {
      const value = o[key];
      if (typeof value !== 'number') continue;
      if (o.type === 'integer') {
        o[bound] = value + step;
        delete o[key];
      } else {
        o[bound] = value;
        o[key] = true;
      }
    }
    Object.values(o).forEach(fix3_0);
  }
  return node;
}

/** Key-order-independent JSON, to recognise a named schema wherever the generator inlined it. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Json).filter(([, v]) => v !== undefined);
    return `{${entries
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Replaces, top-down, every sub-schema equal to a named one with its `$ref` (the root itself is kept). */
function useRefs(schema: Json, names: Map<string, string>, isRoot = false): Json {
  const name = isRoot ? undefined : names.get(canonical(schema));
  if (name) return { $ref: `#/components/schemas/${name}` };
  const out: Json = { ...schema };
  for (const key of ['items', 'additionalProperties', 'not'] as const) {
    const child = out[key];
    if (child && typeof child === 'object') out[key] = useRefs(child as Json, names);
  }
  for (const key of ['allOf', 'anyOf', 'oneOf'] as const) {
    const list = out[key];
    if (Array.isArray(list)) out[key] = list.map((s: Json) => useRefs(s, names));
  }
  if (out.properties) {
    out.properties = Object.fromEntries(
      Object.entries(out.properties as Record<string, Json>).map(([k, s]) => [k, useRefs(s, names)]),
    );
  }
  return out;
}

/** The bulk-create body with its items described: the contract's items are `z.custom` (lenient on purpose). */
function describeBulkItems(body: Json): void {
  const contacts = (body.properties as Record<string, Json> | undefined)?.contacts;
  if (!contacts) throw new Error('openapi: the bulk-create body has no `contacts` any more');
  contacts.items = toSchema(ContactCreateSchema, 'input');
}

/** A zod type without its optional/default/nullable wrappers. */
function unwrap(type: ZodTypeAny): ZodTypeAny {
  let t = type;
  while (['ZodOptional', 'ZodDefault', 'ZodNullable'].includes(t._def.typeName)) t = t._def.innerType;
  return t;
}

function shapeOf(schema: unknown): Record<string, ZodTypeAny> {
  const s = schema as { _def?: { typeName?: string }; shape?: Record<string, ZodTypeAny> } | undefined;
  return s?._def?.typeName === 'ZodObject' && s.shape ? s.shape : {};
}

const header = (name: string, description: string, schema: Json = { type: 'string' }): Json => ({
  in: 'header',
  name,
  required: false,
  description,
  schema,
});

/** The headers an operation reads (docs/api.md, "Retries and concurrent edits"), from the operation table. */
function headerParameters(route: AppRoute, op: AnyOperation): Json[] {
  const access = (route.metadata as RouteMetadata).access;
  const out: Json[] = [];
  if (route.method === 'GET' && op.version) {
    out.push(header('If-None-Match', 'The ETag a client holds: 304 without a body while the record is at it.'));
  }
  if (op.conditional) {
    out.push(
      header('If-Match', 'Change the record only at this version (its ETag, `"3"`): else 412 with `current_etag`.'),
    );
  }
  if (route.method !== 'GET' && access !== 'public' && !op.unkeyed) {
    out.push(
      header(
        'Idempotency-Key',
        'Run this write once: a repeat with the same key and request gets the stored answer (`Idempotent-Replayed: true`); the same key with another request is a 422, while the first still runs a 409.',
        { type: 'string', minLength: 1, maxLength: 255 },
      ),
    );
  }
  return out;
}

/** A streamed file's media types, one per `format` (the CSV's columns said). */
function streamContent(stream: StreamSpec): Json {
  return {
    [stream.formats.csv]: {
      schema: {
        type: 'string',
        description: `A header line, then one line per record: ${stream.csvColumns.join(', ')}.`,
      },
    },
    [stream.formats.ndjson]: { schema: { type: 'string', description: 'One JSON record per line.' } },
  };
}

/** Per operation: security, parameters the generator could not convert, headers, readable response descriptions. */
function mapOperation(operation: Json, route: AppRoute, entry: AnyOperation): Json {
  const access = (route.metadata as RouteMetadata).access;
  const op: Json = {
    ...operation,
    operationId: String(operation.operationId).replace(/\.(\w)/g, (_, c) => c.toUpperCase()),
  };
  op.description = [route.description, ACCESS_TEXT[access]].filter(Boolean).join('\n\n');
  if (access !== 'public') op.security = BEARER;

  const zodOf = { query: shapeOf(route.query), path: shapeOf(route.pathParams) };
  op.parameters = (op.parameters as Json[]).map((param) => {
    if (Object.keys(param.schema as Json).length > 0) return param;
    const type = zodOf[param.in as 'query' | 'path']?.[param.name as string];
    const inner = type && unwrap(type);
    // A pipeline reads the string of the URL into its output type: the output is what a client sends.
    if (inner?._def.typeName !== 'ZodPipeline') return { ...param, schema: { type: 'string' } };
    return { ...param, schema: toSchema(inner._def.out, 'input') };
  });
  op.parameters = [...(op.parameters as Json[]), ...headerParameters(route, entry)];

  // The generator never marks a body as required; every body of this API is.
  if (op.requestBody) op.requestBody = { content: (op.requestBody as Json).content, required: true };

  const responses = op.responses as Record<string, Json>;
  for (const [status, response] of Object.entries(responses)) {
    response.description = http.STATUS_CODES[Number(status)] ?? status;
    if (entry.version && (status === '200' || status === '201')) {
      response.headers = { ETag: { description: 'The record\'s version, quoted: `"3"`.', schema: { type: 'string' } } };
    }
    const declared = route.responses[Number(status)];
    if (declared && typeof declared === 'object' && 'contentType' in declared) {
      response.content = { [declared.contentType as string]: { schema: { type: 'string' } } };
    }
    const stream = (route.metadata as RouteMetadata).stream;
    if (stream && status === '200') response.content = streamContent(stream);
  }
  return op;
}

function buildOpenApiDocument(operationOf: (route: AppRoute) => AnyOperation) {
  const generated = generateOpenApi(
    contract,
    { info: INFO, tags: TAGS },
    {
      setOperationId: 'concatenated-path',
      operationMapper: (operation, route) =>
        mapOperation(operation as Json, route, operationOf(route)) as typeof operation,
    },
  );
  const doc = fix3_0(JSON.parse(JSON.stringify(generated)) as Json);
  const paths = doc.paths as Record<string, Record<string, Json>>;

  const named = Object.fromEntries(NAMED.map(([name, schema, mode]) => [name, toSchema(schema, mode)]));
  describeBulkItems(named.BulkCreateRequest!);
  const bulkBody = paths[contract.contacts.bulkCreate.path]?.post?.requestBody as
    | { content: Record<string, { schema: Json }> }
    | undefined;
  describeBulkItems(bulkBody?.content['application/json']?.schema ?? {});
  const names = new Map<string, string>();
  for (const [name, schema] of Object.entries(named)) {
    if (!names.has(canonical(schema))) names.set(canonical(schema), name);
  }

  for (const operations of Object.values(paths)) {
    for (const op of Object.values(operations)) {
      const body = (op.requestBody as Json | undefined)?.content as Record<string, Json> | undefined;
      for (const media of Object.values(body ?? {})) media.schema = useRefs(media.schema as Json, names);
      for (const response of Object.values(op.responses as Record<string, Json>)) {
        const content = response.content as Record<string, Json> | undefined;
        for (const media of Object.values(content ?? {})) media.schema = useRefs(media.schema as Json, names);
      }
    }
  }

  return {
    openapi: '3.0.3',
    info: INFO,
    tags: TAGS,
    paths,
    'x-webhooks': X_WEBHOOKS,
    components: {
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: 'The `access` token of `POST /api/auth/token/`.',
        },
      },
      schemas: Object.fromEntries(
        Object.entries(named)
          .filter(([name, s]) => names.get(canonical(s)) === name)
          .map(([name, s]) => [name, useRefs(s, names, true)]),
      ),
    },
  };
}

/** Built once, on first use. */
let built: ReturnType<typeof buildOpenApiDocument> | undefined;

/**
 * The document, built on its first request rather than at start-up: building it makes a great many
 * short-lived objects, which would grow every worker's heap for a route most of them never serve.
 */
export const openApiDocument = (operationOf: (route: AppRoute) => AnyOperation) => {
  built ??= buildOpenApiDocument(operationOf);
  return built;
};

/** `GET /api/`: where to go from the API's root (paths relative to the server, so they hold behind any proxy). */
export const apiIndex = {
  name: INFO.title,
  version: API_VERSION,
  docs: '/api/docs/',
  openapi: '/api/openapi.json',
  health: '/api/health/',
  ready: '/api/ready/',
};
