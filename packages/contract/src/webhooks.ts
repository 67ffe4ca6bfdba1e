import { z } from 'zod';
import {
  IdParamsSchema,
  IdSchema,
  noNul,
  PageInputSchema,
  PageQuerySchema,
  queryOf,
  TimestampSchema,
} from './common.js';
import { EventSchema, EventTypeSchema } from './events.js';

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

/** The event a webhook gets from `POST /api/webhooks/{id}/test/`: it says only that the endpoint is reached. */
export const WebhookPingSchema = z.object({
  /** `msg_…`: the `webhook-id` header. */
  id: z.string(),
  type: z.literal('ping'),
  occurred_at: TimestampSchema,
  data: z.object({ webhook_id: z.number().int() }),
});
export type WebhookPing = z.infer<typeof WebhookPingSchema>;

/** What a webhook's endpoint receives as the request body: an event of the feed, or a ping. */
export const WebhookPayloadSchema = z.union([EventSchema, WebhookPingSchema]);
export type WebhookPayload = z.infer<typeof WebhookPayloadSchema>;

export const DELIVERY_STATUSES = ['pending', 'succeeded', 'failed'] as const;

/** One event on its way to one webhook, with its last attempt. */
export const WebhookDeliverySchema = z.object({
  id: z.number().int(),
  webhook_id: z.number().int(),
  /** The event's id, sent as `webhook-id` on every attempt. */
  event_id: z.string(),
  event_type: z.union([EventTypeSchema, z.literal('ping')]),
  /** pending: not yet delivered (it waits for `next_attempt_at`); succeeded: a 2xx came; failed: every attempt failed. */
  status: z.enum(DELIVERY_STATUSES),
  attempts: z.number().int(),
  last_attempt_at: TimestampSchema.nullable(),
  /** The HTTP status of the last attempt; null when it got none (refused, timed out, no connection). */
  response_status: z.number().int().nullable(),
  /** How long the last attempt took, in milliseconds. */
  response_time_ms: z.number().int().nullable(),
  /** Why the last attempt failed, or null. */
  last_error: z.string().nullable(),
  /** When the next attempt is due (null once the delivery has ended). */
  next_attempt_at: TimestampSchema.nullable(),
  created_at: TimestampSchema,
});
export type WebhookDelivery = z.infer<typeof WebhookDeliverySchema>;

/** A webhook's deliveries, newest first; `status` keeps those in one state. */
export const DeliveryListQuerySchema = queryOf(
  PageInputSchema.extend({
    status: z
      .enum(DELIVERY_STATUSES, { errorMap: () => ({ message: 'Must be pending, succeeded or failed.' }) })
      .optional(),
  }),
);

export const DeliveryParamsSchema = IdParamsSchema.extend({
  delivery_id: z.string().regex(/^\d+$/).pipe(IdSchema),
});
