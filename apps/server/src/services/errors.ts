import { type ErrorCode, type FieldErrors, REQUIRED_STRING } from '@ccm/contract';
import type { ZodError } from 'zod';
import { isUnavailable, violatedColumns } from '../db/index.js';

/**
 * What went wrong, independent of transport; http/ and trpc/ each map a code to their status once. The list
 * lives in the contract: tRPC clients see the code as `error.data.appCode`.
 */
export type { ErrorCode };

/** What some errors carry besides their message: the adapters send it as headers (and the 412's body). */
export interface ErrorDetails {
  /** precondition_failed: the record's current ETag. */
  currentEtag?: string;
  /** The stored answer of an earlier request with the same Idempotency-Key, given again. */
  replayed?: boolean;
}

export class AppError extends Error {
  readonly currentEtag?: string;
  readonly replayed?: boolean;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly fields?: FieldErrors,
    /** When to try again (rate_limited, unavailable, conflict): the adapters send it as `Retry-After`. */
    readonly retryAfterSeconds?: number,
    details: ErrorDetails = {},
  ) {
    super(message);
    this.name = 'AppError';
    if (details.currentEtag !== undefined) this.currentEtag = details.currentEtag;
    if (details.replayed) this.replayed = true;
  }
}

export const validationError = (fields: FieldErrors, message = 'Validation failed.') =>
  new AppError('validation', message, fields);
export const notFound = (message = 'Not found.') => new AppError('not_found', message);
export const unauthenticated = (message = 'Authentication credentials were not provided.') =>
  new AppError('unauthenticated', message);
export const forbidden = (message = 'You do not have permission to perform this action.') =>
  new AppError('forbidden', message);
export const rateLimited = (retryAfterSeconds: number, message = 'Too many requests.') =>
  new AppError('rate_limited', `${message} Try again in ${retryAfterSeconds} seconds.`, undefined, retryAfterSeconds);

/** Seconds a client is asked to wait when the database cannot serve: a restart or a failover takes a few. */
export const UNAVAILABLE_RETRY_AFTER_SECONDS = 3;
export const unavailable = (message = 'The database is not available right now. Please try again shortly.') =>
  new AppError('unavailable', message, undefined, UNAVAILABLE_RETRY_AFTER_SECONDS);

/**
 * A failure in the service's terms, for the adapters: an AppError as it is; a database that cannot serve
 * (unreachable, full, read-only, timing out) as `unavailable`; anything else undefined (a bug: a 500, logged).
 */
export function asAppError(err: unknown): AppError | undefined {
  if (err instanceof AppError) return err;
  if (isUnavailable(err)) return unavailable();
  return undefined;
}

/** Zod issues as field errors: the dotted path names the field; issues on the whole object go to non_field_errors. */
export function fieldErrorsFromZod(error: ZodError, prefix?: string): FieldErrors {
  const fields: FieldErrors = {};
  for (const issue of error.issues) {
    const path = [prefix, ...issue.path].filter((p) => p !== undefined).join('.');
    const key = path === '' ? 'non_field_errors' : path;
    // A missing field reads the same whatever its type: the contract's message for a missing string.
    const message =
      issue.code === 'invalid_type' && issue.received === 'undefined' ? REQUIRED_STRING.required_error : issue.message;
    addFieldError(fields, key, message);
  }
  return fields;
}

/** Merges field errors, keeping every message. */
export function addFieldError(fields: FieldErrors, field: string, message: string): void {
  const list = fields[field] ?? [];
  list.push(message);
  fields[field] = list;
}

/**
 * A unique-index violation as a 400 on the fields of its columns, with each field's message; any other error as
 * it is. The database has the last word on uniqueness: a write that raced past the service's own check lands here.
 */
export function duplicateError(
  err: unknown,
  messages: Record<string, string>,
  fieldOf: (column: string) => string = (column) => column,
): Error {
  const columns = violatedColumns(err);
  if (!columns) return err as Error;
  const fields: FieldErrors = {};
  for (const column of columns) {
    const field = fieldOf(column);
    addFieldError(fields, field, messages[field] ?? 'This value is already taken.');
  }
  return validationError(fields);
}
