import type { ErrorCode } from '@ccm/contract';
import { type TRPC_ERROR_CODE_KEY, TRPCError, type TRPCErrorFormatter } from '@trpc/server';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import { TRPC_ERROR_CODES_BY_KEY } from '@trpc/server/rpc';
import type { Response } from 'express';
import { ZodError } from 'zod';
import { errorHeaders } from '../http/errors.js';
import { AppError, asAppError, fieldErrorsFromZod, validationError } from '../services/errors.js';
import type { Context, ErrorShape } from './types.js';

/** The one map from the service's error codes to tRPC's, which give the HTTP status (as http/errors.ts does for REST). */
const trpcCodeOf: Record<ErrorCode, TRPC_ERROR_CODE_KEY> = {
  validation: 'BAD_REQUEST',
  unauthenticated: 'UNAUTHORIZED',
  forbidden: 'FORBIDDEN',
  not_found: 'NOT_FOUND',
  method_not_allowed: 'METHOD_NOT_SUPPORTED',
  conflict: 'CONFLICT',
  precondition_failed: 'PRECONDITION_FAILED',
  idempotency_mismatch: 'UNPROCESSABLE_CONTENT',
  payload_too_large: 'PAYLOAD_TOO_LARGE',
  unsupported_media_type: 'UNSUPPORTED_MEDIA_TYPE',
  rate_limited: 'TOO_MANY_REQUESTS',
  unavailable: 'SERVICE_UNAVAILABLE',
  internal: 'INTERNAL_SERVER_ERROR',
};

/** tRPC's own refusals (no such procedure, wrong method, unparsable request...) in the service's terms. */
const appCodeOf = new Map<TRPC_ERROR_CODE_KEY, ErrorCode>([
  ...Object.entries(trpcCodeOf).map(([app, trpc]) => [trpc, app as ErrorCode] as const),
  ['PARSE_ERROR', 'validation'],
]);

/** An error the server did not mean to answer with (a bug): logged, and never shown. */
export const isUnexpected = (error: TRPCError) =>
  error.code === 'INTERNAL_SERVER_ERROR' && asAppError(error.cause) === undefined;

/**
 * What a call ended with, in the service's terms: the AppError thrown (or the database's unavailability as
 * one), invalid input as field errors.
 */
export function appErrorOf(error: TRPCError): AppError {
  const { cause } = error;
  const known = asAppError(cause);
  if (known) return known;
  if (cause instanceof ZodError && error.code === 'BAD_REQUEST') return validationError(fieldErrorsFromZod(cause));
  const code = isUnexpected(error) ? 'internal' : (appCodeOf.get(error.code) ?? 'internal');
  return new AppError(code, code === 'internal' ? 'Internal server error.' : error.message);
}

/** An AppError as the TRPCError of its code (which gives the HTTP status), with the AppError as its cause. */
export const trpcErrorOf = (appError: AppError) =>
  new TRPCError({ code: trpcCodeOf[appError.code], message: appError.message, cause: appError });

/** The error a call answers with: an AppError (or invalid input) as the TRPCError of its code. */
export function asTRPCError(error: TRPCError): TRPCError {
  if (isUnexpected(error)) return error;
  const appError = appErrorOf(error);
  return error.cause === appError && error.code === trpcCodeOf[appError.code] ? error : trpcErrorOf(appError);
}

/** `error.data`: the app code and the field errors in the REST format; never a stack trace or an internal message. */
export const errorFormatter: TRPCErrorFormatter<Context, ErrorShape> = ({ error, shape, ctx }) => {
  const appError = appErrorOf(error);
  return {
    code: shape.code,
    message: appError.message,
    data: {
      code: shape.data.code,
      httpStatus: shape.data.httpStatus,
      ...(shape.data.path === undefined ? {} : { path: shape.data.path }),
      appCode: appError.code,
      ...(appError.fields ? { fieldErrors: appError.fields } : {}),
      ...(appError.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: appError.retryAfterSeconds }),
      ...(appError.currentEtag === undefined ? {} : { currentEtag: appError.currentEtag }),
      ...(ctx?.requestId ? { requestId: ctx.requestId } : {}),
    },
  };
};

/**
 * An AppError answered outside any procedure (the request time limit, http/security.ts) as tRPC answers one of its
 * own: the same body and headers a client's tRPC link reads.
 */
export function sendTrpcError(res: Response, appError: AppError, procedure: string, requestId: string | undefined) {
  const error = trpcErrorOf(appError);
  const httpStatus = getHTTPStatusCodeFromError(error);
  const shape = {
    code: TRPC_ERROR_CODES_BY_KEY[error.code],
    message: appError.message,
    data: { code: error.code, httpStatus, path: procedure },
  };
  const ctx = requestId === undefined ? undefined : ({ requestId } as Context);
  const formatted = errorFormatter({ error, shape, ctx, type: 'unknown', path: procedure, input: undefined });
  res.set(errorHeaders(appError));
  res.status(httpStatus).json({ error: formatted });
}
