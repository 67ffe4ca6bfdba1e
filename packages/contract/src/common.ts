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
  | 'conflict'
  | 'precondition_failed'
  | 'idempotency_mismatch'
  | 'rate_limited'
  | 'unavailable'
  | 'internal';

/** Every failure answers with this envelope, whatever the status. */
export const ErrorEnvelopeSchema = z.object({
  success: z.literal(false),
  message: z.string(),
  errors: FieldErrorsSchema.optional(),
  request_id: z.string().optional(),
  /** With a 412 (a stale `If-Match`): the record's current ETag, also in the `ETag` header. */
  current_etag: z.string().optional(),
});
export type ErrorEnvelope = z.infer<typeof ErrorEnvelopeSchema>;

/** The success envelope of the seed: `{success: true, message, data}`. */
export const envelope = <T extends z.ZodTypeAny>(data: T) =>
  z.object({ success: z.literal(true), message: z.string(), data });

/** The success envelope of an operation with nothing to answer (logout and the like): `data` is `null`. */
export const MessageEnvelopeSchema = envelope(z.null());

/**
 * How a list's answer is paged, marked on its REST schema so that every adapter shapes it from the one
 * declaration: `page` (DRF: absolute `next`/`previous` URLs), `cursor` (the same, and keyset cursors on
 * request), `headers` (the seed's bare array, the total in `X-Total-Count` and the neighbours in `Link`).
 * tRPC answers each as a numbered page (with `next_cursor`/`previous_cursor` for `cursor`).
 */
export type Paging = 'page' | 'cursor' | 'headers';
export type Paged<S extends z.ZodTypeAny, P extends Paging, I extends z.ZodTypeAny> = S & {
  readonly paging: P;
  readonly item: I;
};
const paged = <S extends z.ZodTypeAny, P extends Paging, I extends z.ZodTypeAny>(schema: S, paging: P, item: I) =>
  Object.assign(schema, { paging, item }) as Paged<S, P, I>;

const drfPage = <T extends z.ZodTypeAny>(item: T) =>
  z.object({
    count: z.number().int().nonnegative(),
    next: z.string().nullable(),
    previous: z.string().nullable(),
    results: z.array(item),
  });

/** DRF-style page: absolute `next`/`previous` URLs. */
export const page = <T extends z.ZodTypeAny>(item: T) => paged(drfPage(item), 'page', item);
/**
 * A DRF-style page that, asked for by `cursor`, also gives the neighbours' keyset cursors as fields (null at either
 * end), the same values its `next`/`previous` links carry.
 */
export const cursorPage = <T extends z.ZodTypeAny>(item: T) =>
  paged(
    drfPage(item).extend({
      next_cursor: z.string().nullable().optional(),
      previous_cursor: z.string().nullable().optional(),
    }),
    'cursor',
    item,
  );
/** The seed's bare array, with the paging in the `X-Total-Count` and `Link` headers. */
export const headerPage = <T extends z.ZodTypeAny>(item: T) => paged(z.array(item), 'headers', item);

/** A page without links, where URLs make no sense (tRPC): its number and size instead of `next`/`previous`. */
export const numberedPage = <T extends z.ZodTypeAny>(item: T) =>
  z.object({
    count: z.number().int().nonnegative(),
    page: z.number().int().positive(),
    page_size: z.number().int().positive(),
    results: z.array(item),
  });

/** A numbered page that also carries the neighbours' keyset cursors when it was asked for by cursor (tRPC). */
export const numberedCursorPage = <T extends z.ZodTypeAny>(item: T) =>
  numberedPage(item).extend({
    next_cursor: z.string().nullable().optional(),
    previous_cursor: z.string().nullable().optional(),
  });

/** The messages of a missing or non-string text field, as Django REST framework words them. */
export const REQUIRED_STRING = { required_error: 'This field is required.', invalid_type_error: 'Must be a string.' };

/** Path ids are positive integers; the server answers anything else with 404. */
export const IdSchema = z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER);
export const IdParamsSchema = z.object({ id: z.string().regex(/^\d+$/).pipe(IdSchema) });

/** An id given as a value (a body field, a tRPC input): a positive integer and nothing else, never coerced. */
export const IdValueSchema = z
  .number({ required_error: 'This field is required.', invalid_type_error: 'Must be an integer id.' })
  .int('Must be an integer id.')
  .positive('Must be a positive id.')
  .max(Number.MAX_SAFE_INTEGER, 'Must be an integer id.');
/** The path id as an input field, where there is no path (tRPC): `{ id }`. */
export const IdInputSchema = z.object({ id: IdValueSchema });

/** `true`/`false` as a value (tRPC inputs). */
export const FlagSchema = z.boolean({ invalid_type_error: 'Must be "true" or "false".' });

/** A query string's decimal number as a number; anything else (`0x10`, `1e3`, ` 2`) is left for the field to refuse. */
const numberText = (v: unknown) => (typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v);
const booleanText = (v: unknown) => (v === 'true' ? true : v === 'false' ? false : v);

type Unwrapped<T> = T extends z.ZodDefault<infer I> | z.ZodOptional<infer I> ? Unwrapped<I> : T;
/** A query parameter's schema: a number or boolean field also takes its text ("3", "true"); others as they are. */
type FromText<T extends z.ZodTypeAny> =
  Unwrapped<T> extends z.ZodNumber | z.ZodBoolean ? z.ZodType<z.output<T>, z.ZodTypeDef, z.input<T> | string> : T;

export function fromText<T extends z.ZodTypeAny>(field: T): FromText<T> {
  let base: z.ZodTypeAny = field;
  while (base instanceof z.ZodDefault || base instanceof z.ZodOptional) base = base._def.innerType;
  const read = base instanceof z.ZodNumber ? numberText : base instanceof z.ZodBoolean ? booleanText : undefined;
  return (read ? z.preprocess(read, field) : field) as FromText<T>;
}

/**
 * The REST query of a list's typed input: the same fields and messages, read from the query string's text.
 * tRPC takes the typed input itself (`is_active: true`, `customer_id: 3`), with nothing coerced.
 */
export function queryOf<T extends z.ZodRawShape>(input: z.ZodObject<T>) {
  const shape = Object.fromEntries(Object.entries(input.shape).map(([key, field]) => [key, fromText(field)]));
  // The typed input rides along: tRPC takes it as it is (rpc.ts).
  return Object.assign(z.object(shape), { typed: input }) as z.ZodObject<{ [K in keyof T]: FromText<T[K]> }> & {
    readonly typed: z.ZodObject<T>;
  };
}

/** `true`/`false` in a query string; anything else is a 400. */
export const BooleanQuerySchema = fromText(FlagSchema);

export const PageInputSchema = z.object({
  page: z
    .number({ invalid_type_error: 'A page number must be an integer.' })
    .int('A page number must be an integer.')
    .positive('A page number must be positive.')
    .default(1),
  page_size: z
    .number({ invalid_type_error: 'Must be an integer.' })
    .int('Must be an integer.')
    .min(1, 'Must be between 1 and 100.')
    .max(100, 'Must be between 1 and 100.')
    .default(20),
});
export const PageQuerySchema = queryOf(PageInputSchema);

/** PostgreSQL text cannot hold U+0000: refused in every free-text field, as Django REST framework does. */
export const noNul = (s: string) => !s.includes('\u0000');
export const NUL_MESSAGE = 'Null characters are not allowed.';

export const SearchQuerySchema = z.string().trim().max(200, 'At most 200 characters.').refine(noNul, NUL_MESSAGE);

/** ISO 8601 in UTC with a `Z`. */
export const TimestampSchema = z.string().datetime();

/**
 * A record's version: 1 when made, one more with every change (its customer's name or username included, for a
 * contact). `GET` of the record sends it as its strong `ETag` (`"7"`); `If-Match: "7"` makes a write conditional.
 */
export const VersionSchema = z.number().int().positive();

export const EmailSchema = z
  .string(REQUIRED_STRING)
  .trim()
  .toLowerCase()
  .min(1, 'This field may not be blank.')
  .max(254, 'At most 254 characters.')
  .email('Enter a valid email address.');

/** The message of a phone number that is not one: its characters (here), or its digits (the server's check). */
export const INVALID_PHONE = 'Enter a valid phone number, such as +94771234567 or 0771234567.';

/** A phone number as typed; the server validates and normalizes it to E.164. */
export const PhoneInputSchema = z
  .string(REQUIRED_STRING)
  .trim()
  .min(1, 'This field may not be blank.')
  .max(32, 'At most 32 characters.')
  .regex(/^\+?[\d\s().-]+$/, INVALID_PHONE);

/**
 * A login name (users) or handle (customers), as Django allows them. Taken exactly as given, never trimmed: a
 * name with a space around it is refused, so that each name has one form (a login trims what is typed).
 */
export const UsernameSchema = z
  .string(REQUIRED_STRING)
  .min(3, 'At least 3 characters.')
  .max(150, 'At most 150 characters.')
  .regex(/^[\w.@+-]+$/, 'Letters, digits and @/./+/-/_ only.');
