import type { ErrorCode, FieldErrors } from '@ccm/contract';
import type { TRPC_ERROR_CODE_KEY, TRPCErrorShape } from '@trpc/server';

// The two types of the server that AppRouter carries to clients: they may name nothing but tRPC and the contract.

/** What every procedure gets from its request: plain strings, read by the procedure's access check. */
export interface Context {
  /** The Authorization header as sent (`Bearer <access token>`); verified only where the access needs it. */
  authorization?: string;
  /**
   * The `token` of the connection params (`?connectionParams={"token":…}`), which only the subscriptions read, in
   * want of an Authorization header: a browser's EventSource cannot send one.
   */
  connectionToken?: string;
  /** The client's address as Express sees it (`trust proxy`), for the rate limits. */
  address?: string;
  /** This request's `X-Request-Id`. */
  requestId?: string;
  /** The `If-Match` header: a conditional mutation, as in REST. */
  ifMatch?: string;
  /** The `Idempotency-Key` header: a mutation run once per key, as in REST. */
  idempotencyKey?: string;
  /** Marks the answer as a stored one given again (`Idempotent-Replayed: true`). */
  replayed?: () => void;
  /** The `X-Consistency-Token` header: a read at least as new as the write that answered it. */
  consistencyToken?: string;
  /** Answers with a write's consistency token (`X-Consistency-Token`). */
  consistent?: (token: string) => void;
}

/** `error.data` of every tRPC error answer. */
export interface ErrorData {
  /** tRPC's code, which gives the HTTP status: BAD_REQUEST, UNAUTHORIZED, FORBIDDEN, NOT_FOUND... */
  code: TRPC_ERROR_CODE_KEY;
  httpStatus: number;
  /** The procedure, such as `contacts.create`. */
  path?: string;
  /** The service's error code, the same one REST answers with its status. */
  appCode: ErrorCode;
  /** Field errors, as `errors` of the REST error envelope: `{ field: [messages] }`, `non_field_errors`. */
  fieldErrors?: FieldErrors;
  /** Seconds to wait before trying again (rate_limited; also in the `Retry-After` header). */
  retryAfterSeconds?: number;
  /** With PRECONDITION_FAILED (a stale `If-Match`): the record's current ETag. */
  currentEtag?: string;
  /** The request's `X-Request-Id`: quote it when reporting an internal error. */
  requestId?: string;
}

export type ErrorShape = TRPCErrorShape<ErrorData>;
