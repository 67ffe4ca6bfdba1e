import { z } from 'zod';
import {
  EmailSchema,
  FieldErrorsSchema,
  FlagSchema,
  IdValueSchema,
  numberedCursorPage,
  PageInputSchema,
  PageQuerySchema,
  PhoneInputSchema,
  queryOf,
  SearchQuerySchema,
  TimestampSchema,
  VersionSchema,
} from './common.js';
import { EXPORT_FORMATS, type ExportFormat } from './csv.js';
import { CURSOR_ERRORS } from './cursor.js';
import { CustomerRefSchema, CustomerSchema } from './customers.js';

const bool = z.boolean({ invalid_type_error: 'Must be a boolean.' });
const customerRef = IdValueSchema;

export const ContactSchema = z.object({
  id: z.number().int(),
  customer: z.number().int(),
  customer_name: z.string(),
  customer_username: z.string(),
  email: z.string(),
  wa_number: z.string(),
  tp_number: z.string(),
  is_primary: z.boolean(),
  is_active: z.boolean(),
  contact_info: z.object({
    email: z.string(),
    whatsapp: z.string(),
    telephone: z.string(),
    is_primary: z.boolean(),
  }),
  created_at: TimestampSchema,
  updated_at: TimestampSchema,
  version: VersionSchema,
});
export type Contact = z.infer<typeof ContactSchema>;

export const ContactCreateSchema = z.object({
  customer: customerRef,
  email: EmailSchema,
  wa_number: PhoneInputSchema,
  tp_number: PhoneInputSchema,
  is_primary: bool.default(false),
  is_active: bool.default(true),
});
export type ContactCreate = z.input<typeof ContactCreateSchema>;

/** PUT needs the three contact fields; omitted booleans keep their value; `customer` may only repeat the current one. */
export const ContactUpdateSchema = z.object({
  customer: customerRef.optional(),
  email: EmailSchema,
  wa_number: PhoneInputSchema,
  tp_number: PhoneInputSchema,
  is_primary: bool.optional(),
  is_active: bool.optional(),
});
export type ContactUpdate = z.input<typeof ContactUpdateSchema>;

export const ContactPatchSchema = ContactUpdateSchema.partial();
export type ContactPatch = z.input<typeof ContactPatchSchema>;

const CUSTOMER_ID = 'A customer id must be a positive integer.';

/**
 * A contact search's `count` is exact up to this many matches; a larger match set answers this number, and its
 * numbered pages end there (keyset pages, by `cursor`, read on to the last match). Counting further is what made
 * a common word slow on a large table (docs/api.md).
 */
export const SEARCH_COUNT_LIMIT = 1_000;

/** The contact list's filters, ordering and paging as values (tRPC); ContactListQuerySchema reads them from text. */
export const ContactListInputSchema = PageInputSchema.extend({
  customer_id: z
    .number({ invalid_type_error: CUSTOMER_ID })
    .int(CUSTOMER_ID)
    .positive(CUSTOMER_ID)
    .max(Number.MAX_SAFE_INTEGER, CUSTOMER_ID)
    .optional(),
  is_active: FlagSchema.optional(),
  is_primary: FlagSchema.optional(),
  search: SearchQuerySchema.optional(),
  ordering: z.enum(['created_at', '-created_at', 'email', '-email', 'id', '-id']).default('-created_at'),
  /**
   * Keyset paging, for reading far into the list at the cost of the first page: empty to start, then an answer's
   * `next_cursor` or `previous_cursor` (also carried by its `next`/`previous` links).
   */
  cursor: z.string().max(512, CURSOR_ERRORS.invalid).optional(),
});
export const ContactListQuerySchema = queryOf(ContactListInputSchema);
export type ContactListQuery = z.infer<typeof ContactListQuerySchema>;

const FORMATS = Object.keys(EXPORT_FORMATS) as [ExportFormat, ...ExportFormat[]];
const FORMAT_MESSAGE = `Must be one of: ${FORMATS.map((f) => `"${f}"`).join(', ')}.`;

/** The export: the list's filters and ordering, without its paging (it is every match), and the file's format. */
export const ContactExportInputSchema = ContactListInputSchema.omit({
  page: true,
  page_size: true,
  cursor: true,
}).extend({
  format: z.enum(FORMATS, { errorMap: () => ({ message: FORMAT_MESSAGE }) }).default('csv'),
});
export const ContactExportQuerySchema = queryOf(ContactExportInputSchema);
export type ContactExportQuery = z.infer<typeof ContactExportQuerySchema>;

/** The contact list over tRPC: a numbered page, and the neighbours' cursors when it was asked for by cursor. */
export const ContactCursorPageSchema = numberedCursorPage(ContactSchema);

export const MAX_BULK_ITEMS = 1000;

/**
 * Bulk create: each item is validated on its own by the server (with ContactCreateSchema), so an invalid
 * item fails alone instead of failing the request. Callers still get the item type.
 */
export const BulkCreateRequestSchema = z.object({
  contacts: z
    .array(
      z.custom<ContactCreate>(() => true),
      {
        required_error: 'This field is required.',
        invalid_type_error: 'Expected a list of contacts.',
      },
    )
    .min(1, 'At least one contact is required.')
    .max(MAX_BULK_ITEMS, `At most ${MAX_BULK_ITEMS} contacts per request.`),
});
export type BulkCreateRequest = z.input<typeof BulkCreateRequestSchema>;

export const BulkItemErrorSchema = z.object({ index: z.number().int(), errors: FieldErrorsSchema });
export type BulkItemError = z.infer<typeof BulkItemErrorSchema>;

export const BulkCreateResultSchema = z.object({
  created_contacts: z.array(ContactSchema),
  errors: z.array(BulkItemErrorSchema),
});
export type BulkCreateResult = z.infer<typeof BulkCreateResultSchema>;

export const ContactStatsSchema = z.object({
  total_contacts: z.number().int(),
  active_contacts: z.number().int(),
  inactive_contacts: z.number().int(),
  primary_contacts: z.number().int(),
  customers_with_contacts: z.number().int(),
  customers_without_contacts: z.number().int(),
});
export type ContactStats = z.infer<typeof ContactStatsSchema>;

export const CustomerContactsSchema = z.object({
  customer: CustomerRefSchema,
  contacts: z.array(ContactSchema),
});
export type CustomerContacts = z.infer<typeof CustomerContactsSchema>;

export const CustomerWithContactsSchema = CustomerSchema.pick({
  id: true,
  customer_id: true,
  username: true,
  email: true,
  first_name: true,
  last_name: true,
  full_name: true,
  nic: true,
  is_verified: true,
  version: true,
}).extend({
  contacts: z.array(ContactSchema),
  primary_contact: ContactSchema.nullable(),
});
export type CustomerWithContacts = z.infer<typeof CustomerWithContactsSchema>;

export const CustomersWithContactsInputSchema = PageInputSchema;
export const CustomersWithContactsQuerySchema = PageQuerySchema;
export type CustomersWithContactsQuery = z.infer<typeof CustomersWithContactsQuerySchema>;
