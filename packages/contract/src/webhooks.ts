import { z } from 'zod';
import { noNul, PageQuerySchema, TimestampSchema } from './common.js';
import { EventTypeSchema } from './events.js';

/** An event type a webhook listens to, or `*` for every one. */
export const WebhookEventFilterSchema = z.union([EventTypeSchema, z.literal('*')]);

const url = z
  .string({ required_error: 'This field is required.', invalid_type_error: 'Must be a string.' })
  .max(2048, 'At most 2,048 characters.')
  .url('Enter a valid URL.')
  .regex(/^https?:\/\//i, 'Only http:// and https:// URLs.');
const events = z
  .array(WebhookEventFilterSchema, { invalid_type_error: 'Expected a list of event types.' })
  .min(1, 'Name at least one event type, or "*".');
const description = z.string().max(500, 'At most 500 characters.').refine(noNul, 'Null characters are not allowed.');

export const WebhookSchema = z.object({
  id: z.number().int(),
  url: z.string(),
  events: z.array(WebhookEventFilterSchema),
  description: z.string(),
  is_active: z.boolean(),
  /** Why the server disabled it (deliveries failing for days), or null. */
  disabled_reason: z.string().nullable(),
  created_at: TimestampSchema,
  updated_at: TimestampSchema,
});
export type Webhook = z.infer<typeof WebhookSchema>;

/** A webhook as made (or with its secret rotated): the signing secret, `whsec_…`, shown this once. */
export const WebhookWithSecretSchema = WebhookSchema.extend({ secret: z.string() });

export const WebhookCreateSchema = z.object({ url, events, description: description.default('') });
export type WebhookCreate = z.input<typeof WebhookCreateSchema>;

export const WebhookPatchSchema = z.object({
  url: url.optional(),
  events: events.optional(),
  description: description.optional(),
  is_active: z.boolean({ invalid_type_error: 'Must be a boolean.' }).optional(),
  /** A new secret (answered once); the old one still signs, beside it, for 24 hours. */
  rotate_secret: z.boolean({ invalid_type_error: 'Must be a boolean.' }).optional(),
});
export type WebhookPatch = z.input<typeof WebhookPatchSchema>;

export const WebhookUpdatedSchema = WebhookSchema.extend({ secret: z.string().optional() });

export const WebhookListQuerySchema = PageQuerySchema;
