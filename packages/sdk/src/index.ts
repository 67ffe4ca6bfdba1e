/**
 * @ccm/sdk: the typed client of the ccm Customer Contact Management API.
 *
 * REST: `createClient({ baseUrl })`, typed end to end by the shared contract (bundled into this package).
 * tRPC: `createTrpcClient({ client })` from `@ccm/sdk/trpc`, its own entry point (only it loads @trpc/client).
 * Webhooks: `verifyWebhook(secret, headers, rawBody)`, the typed payload of a signed delivery.
 */

export type {
  Actor,
  BulkCreateRequest,
  BulkCreateResult,
  BulkItemError,
  Contact,
  ContactCreate,
  ContactPatch,
  ContactStats,
  ContactUpdate,
  Contract,
  Customer,
  CustomerContacts,
  CustomerCreate,
  CustomerLookup,
  CustomerPatch,
  CustomerRef,
  CustomerUpdate,
  CustomerWithContacts,
  Event,
  EventType,
  ExportFormat,
  Role,
  TokenPair,
  User,
  WebhookPayload,
  WebhookPing,
} from '@ccm/contract';
/**
 * `contract`: the ts-rest contract of the API, for ts-rest tooling of your own (react-query, msw mocks...).
 * `SEARCH_COUNT_LIMIT`: a contact search's `count` is exact up to it; a larger match set answers it ("1,000 or more").
 */
export { contract, SEARCH_COUNT_LIMIT } from '@ccm/contract';
export {
  type CcmClient,
  type ClientOptions,
  createClient,
  type Iterate,
  type RawClient,
  type RawClientArgs,
} from './client.js';
export {
  CcmApiError,
  type CcmApiErrorDetails,
  CcmError,
  type CcmErrorKind,
  CcmNetworkError,
  CcmPreconditionFailedError,
  type CcmRequestInfo,
  CcmSessionError,
  CcmTimeoutError,
  type FieldErrors,
} from './errors.js';
export type { ContactExport, ContactExportInput } from './export.js';
export type { CcmFetch, CcmFetchInit } from './fetch.js';
export { backoff, type RetryOptions } from './retry.js';
export type { FetchLike } from './send.js';
export type { SessionApi } from './session-api.js';
export { decodeJwtTimes, type JwtTimes, MemoryTokenStore, type TokenStore, type Tokens } from './tokens.js';
export type { TransportOptions } from './transport.js';
export type {
  CallOptions,
  ListQuery,
  Methods,
  Page,
  PagedArray,
  RouteInput,
  RouteMethod,
  RouteResult,
  WithEtag,
  WriteOptions,
} from './types.js';
export {
  verifyWebhook,
  type WebhookHeaders,
  WebhookVerificationError,
  type WebhookVerificationErrorCode,
} from './webhooks.js';
