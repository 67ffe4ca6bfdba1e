/**
 * @ccm/sdk: the typed client of the ccm Customer Contact Management API.
 *
 * REST: `createClient({ baseUrl })`, typed end to end by the shared contract (bundled into this package).
 * tRPC: `createTrpcClient({ baseUrl, getToken })`, typed by the server's tRPC router.
 */

export type {
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
  CustomerPatch,
  CustomerRef,
  CustomerUpdate,
  CustomerWithContacts,
  Role,
  TokenPair,
  User,
} from '@ccm/contract';
/** The ts-rest contract of the API, for ts-rest tooling of your own (react-query, msw mocks...). */
export { contract } from '@ccm/contract';
export {
  type CcmClient,
  type ClientOptions,
  createClient,
  type RawClient,
  type RawClientArgs,
  type SessionApi,
} from './client.js';
export {
  CcmApiError,
  CcmError,
  type CcmErrorKind,
  CcmNetworkError,
  type CcmRequestInfo,
  CcmTimeoutError,
  type FieldErrors,
} from './errors.js';
export { decodeJwtTimes, type JwtTimes, MemoryTokenStore, type TokenStore, type Tokens } from './tokens.js';
export type { FetchLike, RetryOptions, TransportOptions } from './transport.js';
// The tRPC flavour: the same operations over `/trpc`, typed by the server's router.
export {
  type AppRouter,
  type CcmTrpcClient,
  type CcmTrpcError,
  createTrpcClient,
  isTrpcError,
  type TrpcClientOptions,
} from './trpc.js';
export type { CallOptions, Methods, Page, RouteInput, RouteMethod, RouteResult } from './types.js';
