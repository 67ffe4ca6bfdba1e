import { z } from 'zod';

/** Field errors: field name (or dotted path) to its messages; `non_field_errors` for the rest. */
export const FieldErrorsSchema = z.record(z.string(), z.array(z.string()));
export type FieldErrors = z.infer<typeof FieldErrorsSchema>;

/**
 * What went wrong, whatever the transport: REST answers it with an HTTP status, tRPC with its error code (and
 * gives it as `error.data.appCode`).
 */
export type ErrorCode =
  | 'validation'
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'method_not_allowed'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'rate_limited'
  | 'unavailable'
  | 'internal';

/** Every failure answers with this envelope, whatever the status. */
export const ErrorEnvelopeSchema = z.object({
  success: z.literal(false),
  message: z.string(),
  errors: FieldErrorsSchema.optional(),
  request_id: z.string().optional(),
});
export type ErrorEnvelope = z.infer<typeof ErrorEnvelopeSchema>;

/** The success envelope of the seed: `{success: true, message, data}`. */
export const envelope = <T extends z.ZodTypeAny>(data: T) =>
  z.object({ success: z.literal(true), message: z.string(), data });

/** The success envelope with no data (logout and the like). */
export const MessageEnvelopeSchema = z.object({ success: z.literal(true), message: z.string() });

/** DRF-style page: absolute `next`/`previous` URLs. */
export const page = <T extends z.ZodTypeAny>(item: T) =>
  z.object({
    count: z.number().int().nonnegative(),
    next: z.string().nullable(),
    previous: z.string().nullable(),
    results: z.array(item),
  });

/** A page without links, where URLs make no sense (tRPC): its number and size instead of `next`/`previous`. */
export const numberedPage = <T extends z.ZodTypeAny>(item: T) =>
  z.object({
    count: z.number().int().nonnegative(),
    page: z.number().int().positive(),
    page_size: z.number().int().positive(),
    results: z.array(item),
  });

/** The messages of a missing or non-string text field, as Django REST framework words them. */
export const REQUIRED_STRING = { required_error: 'This field is required.', invalid_type_error: 'Must be a string.' };

/** Path ids are positive integers; the server answers anything else with 404. */
export const IdSchema = z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER);
export const IdParamsSchema = z.object({ id: z.string().regex(/^\d+$/).pipe(IdSchema) });
/** The path id as an input field, where there is no path (tRPC): `{ id }`. */
export const IdInputSchema = z.object({ id: IdSchema });

/** `true`/`false` in a query string; anything else is a 400. */
export const BooleanQuerySchema = z
  .enum(['true', 'false'], { errorMap: () => ({ message: 'Must be "true" or "false".' }) })
  .transform((v) => v === 'true');

export const PageQuerySchema = z.object({
  page: z.coerce
    .number({ invalid_type_error: 'A page number must be an integer.' })
    .int('A page number must be an integer.')
    .positive('A page number must be positive.')
    .default(1),
  page_size: z.coerce
    .number({ invalid_type_error: 'Must be an integer.' })
    .int('Must be an integer.')
    .min(1, 'Must be between 1 and 100.')
    .max(100, 'Must be between 1 and 100.')
    .default(20),
});

/** PostgreSQL text cannot hold U+0000: refused in every free-text field, as Django REST framework does. */
export const noNul = (s: string) => !s.includes('\u0000');
export const NUL_MESSAGE = 'Null characters are not allowed.';

export const SearchQuerySchema = z.string().trim().max(200, 'At most 200 characters.').refine(noNul, NUL_MESSAGE);

/** ISO 8601 in UTC with a `Z`. */
export const TimestampSchema = z.string().datetime();

export const EmailSchema = z
  .string(REQUIRED_STRING)
  .trim()
  .toLowerCase()
  .min(1, 'This field may not be blank.')
  .max(254, 'At most 254 characters.')
  .email('Enter a valid email address.');

/** A phone number as typed; the server validates and normalizes it to E.164. */
export const PhoneInputSchema = z
  .string(REQUIRED_STRING)
  .trim()
  .min(1, 'This field may not be blank.')
  .max(32, 'At most 32 characters.')
  .regex(/^\+?[\d\s().-]+$/, 'Enter a valid phone number, such as +94771234567 or 0771234567.');

/** A login name (users) or handle (customers), as Django allows them. */
export const UsernameSchema = z
  .string(REQUIRED_STRING)
  .trim()
  .min(3, 'At least 3 characters.')
  .max(150, 'At most 150 characters.')
  .regex(/^[\w.@+-]+$/, 'Letters, digits and @/./+/-/_ only.');
