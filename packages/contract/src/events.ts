import { z } from 'zod';
import { PageInputSchema, queryOf, TimestampSchema } from './common.js';
import { ContactSchema } from './contacts.js';
import { CURSOR_ERRORS } from './cursor.js';
import { CustomerSchema } from './customers.js';
import { UserAccountSchema } from './users.js';

/** The kinds of change of each kind of record (docs/api.md, "Change history"). */
const CUSTOMER_EVENTS = ['customer.created', 'customer.updated', 'customer.deleted'] as const;
const CONTACT_EVENTS = [
  'contact.created',
  'contact.updated',
  'contact.deleted',
  'contact.primary_changed',
  'contact.activated',
  'contact.deactivated',
] as const;
const USER_EVENTS = ['user.created', 'user.updated'] as const;

/** Every kind of change the record keeps. */
export const EVENT_TYPES = [...CUSTOMER_EVENTS, ...CONTACT_EVENTS, ...USER_EVENTS] as const;
export const EventTypeSchema = z.enum(EVENT_TYPES);
export type EventType = z.infer<typeof EventTypeSchema>;

/** Who made a change: a signed-in user, the command line (`pnpm cli`), or the server itself (the first admin). */
export const ActorSchema = z.union([
  z.object({ type: z.literal('user'), id: z.number().int(), username: z.string() }),
  z.object({ type: z.enum(['cli', 'system']) }),
]);
export type Actor = z.infer<typeof ActorSchema>;

/** A field's value before and after an update. */
export const ChangeSchema = z.object({ before: z.unknown(), after: z.unknown() });

const changes = z.record(z.string(), ChangeSchema).optional();

/** The events of one kind of record: `data.object` is that record as the API shows it (before it, for a deletion). */
function eventsOf<T extends EventType, S extends 'customer' | 'contact' | 'user', O extends z.ZodTypeAny>(
  types: readonly [T, ...T[]],
  subject: S,
  object: O,
) {
  return z.object({
    /** Unique, stable: `evt_…`. */
    id: z.string(),
    /** The event's place in the feed: only grows. */
    sequence: z.number().int().positive(),
    type: z.enum(types),
    occurred_at: TimestampSchema,
    actor: ActorSchema,
    /** The `X-Request-Id` of the request that made the change (null from the command line). */
    request_id: z.string().nullable(),
    subject: z.object({ type: z.literal(subject), id: z.number().int() }),
    /** The record after the change (before it, for a deletion); for an update, the changed fields too. */
    data: z.object({ object, changes }),
  });
}

export const CustomerEventSchema = eventsOf(CUSTOMER_EVENTS, 'customer', CustomerSchema);
export const ContactEventSchema = eventsOf(CONTACT_EVENTS, 'contact', ContactSchema);
export const UserEventSchema = eventsOf(USER_EVENTS, 'user', UserAccountSchema);

/** An event: narrow it by `type` (`if (e.type === 'contact.created') e.data.object.email`). */
export const EventSchema = z.union([CustomerEventSchema, ContactEventSchema, UserEventSchema]);
export type Event = z.infer<typeof EventSchema>;

/** The feed's query as values (tRPC); EventListQuerySchema reads it from text. */
export const EventListInputSchema = z.object({
  /** The `next_cursor` of the last page read; empty or absent: from the first event. */
  after: z
    .string()
    .regex(/^\d{0,18}$/, CURSOR_ERRORS.invalid)
    .optional(),
  /** Only these types (a comma-separated list in a query string). */
  types: z.array(EventTypeSchema).optional(),
  page_size: z
    .number({ invalid_type_error: 'Must be an integer.' })
    .int('Must be an integer.')
    .min(1, 'Must be between 1 and 1000.')
    .max(1000, 'Must be between 1 and 1000.')
    .default(100),
  /** Seconds to wait for an event when there is none yet (long polling), at most 30. */
  wait: z.number().int().min(0).max(30, 'At most 30 seconds.').default(0),
});
const typesText = z
  .string()
  .transform((s) => s.split(',').filter(Boolean))
  .pipe(z.array(EventTypeSchema))
  .optional();
/** The feed's query string: `types` as a comma-separated list; the typed input rides along for tRPC (rpc.ts). */
export const EventListQuerySchema = Object.assign(
  queryOf(EventListInputSchema.omit({ types: true })).extend({ types: typesText }),
  { typed: EventListInputSchema },
);
export type EventListQuery = z.infer<typeof EventListQuerySchema>;

/** A page of the feed: the events in sequence order, and the cursor to read on from (the same when none came). */
export const EventPageSchema = z.object({ results: z.array(EventSchema), next_cursor: z.string() });

export const HistoryQuerySchema = queryOf(PageInputSchema);
