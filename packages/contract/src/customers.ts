import { z } from 'zod';
import {
  EmailSchema,
  FlagSchema,
  NUL_MESSAGE,
  noNul,
  PageInputSchema,
  PhoneInputSchema,
  queryOf,
  REQUIRED_STRING,
  SearchQuerySchema,
  TimestampSchema,
  UsernameSchema,
  VersionSchema,
} from './common.js';
import { CURSOR_ERRORS } from './cursor.js';

const name = z
  .string(REQUIRED_STRING)
  .trim()
  .min(1, 'This field may not be blank.')
  .max(150, 'At most 150 characters.')
  .refine(noNul, NUL_MESSAGE);
const bool = z.boolean({ invalid_type_error: 'Must be a boolean.' });

export const CustomerSchema = z.object({
  id: z.number().int(),
  customer_id: z.string(),
  username: z.string(),
  email: z.string(),
  first_name: z.string(),
  last_name: z.string(),
  full_name: z.string(),
  nic: z.string(),
  phone_number: z.string().nullable(),
  address: z.string().nullable(),
  is_verified: z.boolean(),
  is_active: z.boolean(),
  created_at: TimestampSchema,
  updated_at: TimestampSchema,
  version: VersionSchema,
});
export type Customer = z.infer<typeof CustomerSchema>;

/** The short form of a customer inside the customer-contacts view. */
export const CustomerRefSchema = CustomerSchema.pick({ id: true, customer_id: true, full_name: true, username: true });
export type CustomerRef = z.infer<typeof CustomerRefSchema>;

export const CustomerCreateSchema = z.object({
  username: UsernameSchema,
  email: EmailSchema,
  first_name: name,
  last_name: name,
  /** Sri Lankan NIC: 9 digits and V or X (stored upper-case), or 12 digits. */
  nic: z
    .string(REQUIRED_STRING)
    .trim()
    .toUpperCase()
    .regex(/^(\d{9}[VX]|\d{12})$/, 'Enter a valid NIC: 9 digits followed by V or X, or 12 digits.'),
  phone_number: PhoneInputSchema.nullish(),
  address: z
    .string({ invalid_type_error: 'Must be a string.' })
    .trim()
    .max(500, 'At most 500 characters.')
    .refine(noNul, NUL_MESSAGE)
    .nullish(),
  is_verified: bool.optional(),
  is_active: bool.optional(),
});
export type CustomerCreate = z.infer<typeof CustomerCreateSchema>;

/** PUT: the required fields again; omitted optional fields keep their value. */
export const CustomerUpdateSchema = CustomerCreateSchema;
export type CustomerUpdate = z.infer<typeof CustomerUpdateSchema>;
export const CustomerPatchSchema = CustomerCreateSchema.partial();
export type CustomerPatch = z.infer<typeof CustomerPatchSchema>;

/** The customer list's filters, ordering and paging as values (tRPC); CustomerListQuerySchema reads them from text. */
export const CustomerListInputSchema = PageInputSchema.extend({
  is_active: FlagSchema.optional(),
  is_verified: FlagSchema.optional(),
  search: SearchQuerySchema.optional(),
  ordering: z
    .enum(['created_at', '-created_at', 'id', '-id', 'username', '-username', 'customer_id', '-customer_id'])
    .default('-created_at'),
  /** Keyset paging, as the contact list's: empty to start, then an answer's `next_cursor` or `previous_cursor`. */
  cursor: z.string().max(512, CURSOR_ERRORS.invalid).optional(),
});
export const CustomerListQuerySchema = queryOf(CustomerListInputSchema);
export type CustomerListQuery = z.infer<typeof CustomerListQuerySchema>;

/** The message for a contact whose customer is inactive (a create, a bulk item, an import's dry run). */
export const INACTIVE_CUSTOMER = 'Contacts cannot be added to an inactive customer.';

export const MAX_LOOKUP_REFERENCES = 1000;

/** A customer as an import's `customer` column names it: its id (`42`), its code (`CUST000042`) or its username. */
export const CustomerReferenceSchema = z
  .string(REQUIRED_STRING)
  .trim()
  .min(1, 'This field may not be blank.')
  .max(150, 'At most 150 characters.')
  .refine(noNul, NUL_MESSAGE);

export type CustomerReference = { id: number } | { code: string } | { username: string };

/**
 * Which customer a reference names: digits are an id, `CUST` and digits a code (in any case), anything else a
 * username. A username made only of digits, or shaped like a code, is named by the customer's id instead.
 */
export function customerReferenceOf(reference: string): CustomerReference {
  const text = reference.trim();
  if (/^\d{1,15}$/.test(text)) return { id: Number(text) };
  if (/^CUST\d{1,15}$/i.test(text)) return { code: text.toUpperCase() };
  return { username: text };
}

export const CustomerLookupRequestSchema = z.object({
  references: z
    .array(CustomerReferenceSchema, {
      required_error: 'This field is required.',
      invalid_type_error: 'Expected a list of customer ids, codes or usernames.',
    })
    .min(1, 'At least one reference is required.')
    .max(MAX_LOOKUP_REFERENCES, `At most ${MAX_LOOKUP_REFERENCES} references per request.`),
});
export type CustomerLookupRequest = z.input<typeof CustomerLookupRequestSchema>;

/** Each reference, in the order asked (repeats included), and the customer it names (null: none). */
export const CustomerLookupSchema = z.object({
  customers: z.array(
    z.object({
      reference: z.string(),
      customer: CustomerSchema.pick({ id: true, customer_id: true, username: true, is_active: true }).nullable(),
    }),
  ),
});
export type CustomerLookup = z.infer<typeof CustomerLookupSchema>;
