import type { ErrorEnvelope } from '@ccm/contract';
import { RequestValidationError } from '@ts-rest/express';
import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import type { Logger } from '../logger.js';
import { AppError, asAppError, type ErrorCode, fieldErrorsFromZod } from '../services/index.js';
import { requestIdOf } from './requestId.js';
import { allowedMethods } from './routeTable.js';

/** The one map from error codes to HTTP statuses. */
export const statusOf: Record<ErrorCode, number> = {
  validation: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  precondition_failed: 412,
  payload_too_large: 413,
  unsupported_media_type: 415,
  idempotency_mismatch: 422,
  rate_limited: 429,
  unavailable: 503,
  internal: 500,
};

/** body-parser's failures, as coded errors. */
function fromBodyParser(err: { type?: string; limit?: number }): AppError | undefined {
  switch (err.type) {
    case 'entity.parse.failed':
      return new AppError('validation', 'Malformed JSON in request body.', {
        non_field_errors: ['The request body is not valid JSON.'],
      });
    case 'entity.too.large':
      return new AppError('payload_too_large', `Request body is larger than the limit of ${err.limit} bytes.`);
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new AppError('unsupported_media_type', 'Unsupported content encoding or charset.');
    // The client went away or sent less than it announced (a closed connection reads as an unreadable stream).
    case 'request.aborted':
    case 'request.size.invalid':
    case 'stream.not.readable':
      return new AppError('validation', 'The request body was incomplete.');
    default:
      return undefined;
  }
}

/** ts-rest's validation failure: a bad path id is a missing resource; a bad query or body, field errors. */
function fromValidation(err: RequestValidationError): AppError {
  if (err.pathParams) return new AppError('not_found', 'Not found.');
  const fields = {
    ...(err.query ? fieldErrorsFromZod(err.query) : {}),
    ...(err.body ? fieldErrorsFromZod(err.body) : {}),
  };
  return new AppError('validation', 'Validation failed.', fields);
}

/** zlib's failures on a body whose Content-Encoding (gzip, deflate) does not match what was sent. */
const ZLIB_ERRORS = new Set(['Z_DATA_ERROR', 'Z_BUF_ERROR', 'Z_STREAM_ERROR', 'Z_NEED_DICT']);

export function toAppError(err: unknown): AppError | undefined {
  const known = asAppError(err);
  if (known) return known;
  if (err instanceof RequestValidationError) return fromValidation(err);
  // Express could not decode a path parameter (`/api/contacts/%E0%A4%A/`): like any other bad path id, no such thing.
  if (err instanceof URIError) return new AppError('not_found', 'Not found.');
  if (ZLIB_ERRORS.has((err as { code?: string } | null)?.code ?? '')) {
    return new AppError('validation', 'The request body could not be decoded.', {
      non_field_errors: ['The body is not valid data for its Content-Encoding.'],
    });
  }
  if (err && typeof err === 'object' && 'type' in err) return fromBodyParser(err as { type?: string });
  return undefined;
}

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const requestId = requestIdOf(res);
    const appError = toAppError(err);
    if (res.headersSent) return res.end();
    if (!appError) {
      logger.error({ err, requestId, method: req.method, url: req.originalUrl }, 'unhandled error');
      const body: ErrorEnvelope = { success: false, message: 'Internal server error.', request_id: requestId };
      return res.status(500).json(body);
    }
    sendError(res, appError);
  };
}

/** The headers an AppError's answer carries, whatever its body (REST, tRPC). */
export function errorHeaders(appError: AppError): Record<string, string> {
  const headers: Record<string, string> = {};
  if (appError.code === 'unauthenticated') headers['WWW-Authenticate'] = 'Bearer realm="api"';
  if (appError.retryAfterSeconds !== undefined) headers['Retry-After'] = String(appError.retryAfterSeconds);
  if (appError.currentEtag !== undefined) headers.ETag = appError.currentEtag;
  if (appError.replayed) headers['Idempotent-Replayed'] = 'true';
  return headers;
}

/** An AppError as the error envelope, with its status and headers. */
export function sendError(res: Response, appError: AppError): void {
  res.set(errorHeaders(appError));
  const body: ErrorEnvelope = {
    success: false,
    message: appError.message,
    ...(appError.fields ? { errors: appError.fields } : {}),
    ...(appError.currentEtag !== undefined ? { current_etag: appError.currentEtag } : {}),
  };
  res.status(statusOf[appError.code]).json(body);
}

/** After every route: a known path with another method is a 405 with `Allow`; anything else a 404. */
export const notFoundHandler: RequestHandler = (req, res, next) => {
  const methods = allowedMethods(req.path);
  if (methods.length === 0) return next(new AppError('not_found', 'Not found.'));
  res.setHeader('Allow', methods.join(', '));
  next(new AppError('method_not_allowed', `Method "${req.method}" not allowed.`));
};
