import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';
import type { Event, EventListQuery, EventType } from '@ccm/contract';
import type { EventRecord, NewEvent, Store } from '../db/index.js';
import { notFound } from './errors.js';
import { offsetOf, type Paged, type PageRequest, paged } from './pagination.js';

/**
 * The record of changes (docs/api.md, "Change history"): the services append an event for every change, in the
 * change's own unit of work; the actor and request id come from the call (withActor, set once per operation by
 * operations.ts#perform, and by the command line).
 */

export type EventActor = NewEvent['actor'];
/** The record an event is about (the contract's shape). */
type Subject = Event['subject'];

const calls = new AsyncLocalStorage<{ actor: EventActor; requestId: string | null }>();

/** Runs `call` with the actor (and request id) its changes are recorded under. */
export const withActor = <T>(actor: EventActor, requestId: string | null, call: () => Promise<T>): Promise<T> =>
  calls.run({ actor, requestId }, call);

/** Fields that move with every change (or are derived from others): left out of an update's changes. */
const UNCHANGING = new Set(['updated_at', 'version', 'contact_info', 'full_name']);

/** The changes of a password change: that it changed, never a value (nor a hash). */
export const SECRET_CHANGE = { password: { before: '[redacted]', after: '[redacted]' } };

/** The fields of an update whose values differ, with both values. */
export function changesOf(before: object, after: object): Record<string, { before: unknown; after: unknown }> {
  const changes: Record<string, { before: unknown; after: unknown }> = {};
  for (const [field, value] of Object.entries(after)) {
    const old = (before as Record<string, unknown>)[field];
    if (!UNCHANGING.has(field) && JSON.stringify(old) !== JSON.stringify(value))
      changes[field] = { before: old, after: value };
  }
  return changes;
}

/**
 * `evt_` and 32 hex digits: the time in milliseconds, then 80 random bits. Ids that grow with time go to the end of
 * their unique index instead of a random page of it.
 */
const newEventId = () => `evt_${Date.now().toString(16).padStart(12, '0')}${randomBytes(10).toString('hex')}`;

/** An event of the current call: `object` is the record after the change (before it, for a deletion). */
export function eventOf(type: EventType, subject: Subject, object: object, changes?: object): NewEvent {
  const call = calls.getStore() ?? { actor: { type: 'system' as const }, requestId: null };
  return {
    eventId: newEventId(),
    type,
    occurredAt: new Date(),
    actor: call.actor,
    requestId: call.requestId,
    subject,
    data: JSON.stringify(changes ? { object, changes } : { object }),
  };
}

/** An event row as the contract's event; its data is what a service wrote from the contract's shapes. */
export function eventDto(e: EventRecord): Event {
  return {
    id: e.eventId,
    sequence: e.sequence,
    type: e.type as EventType,
    occurred_at: e.occurredAt.toISOString(),
    actor: e.actor,
    request_id: e.requestId,
    subject: e.subject,
    data: JSON.parse(e.data),
  } as Event;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** How often a long poll looks again. */
const POLL_MS = 200;

/**
 * Numbers the committed events that have none yet (most calls find none), and makes their webhook deliveries in
 * the same transaction: no numbered event misses its deliveries. Before a read of the feed or a history, and by
 * the deliverers (services/deliveries). Answers how many it numbered.
 */
export async function sequenceEvents(store: Store): Promise<number> {
  if (!(await store.events.unsequenced())) return 0;
  return store.transaction(async (t) => {
    const numbered = await store.events.sequence(t);
    if (numbered.length > 0) await store.deliveries.enqueue(t, numbered, new Date());
    return numbered.length;
  });
}

export function eventsService(store: Store, settings: { maxWaitMs: number; retentionDays?: number }) {
  const sequenced = () => sequenceEvents(store);

  return {
    /** The feed after a cursor, in sequence order; with `wait`, until an event comes or the wait is over. */
    async feed(query: EventListQuery): Promise<{ results: Event[]; next_cursor: string }> {
      const after = query.after ? Number(query.after) : 0;
      const deadline = Date.now() + Math.min(query.wait * 1000, settings.maxWaitMs);
      for (;;) {
        await sequenced();
        const rows = await store.events.feed(after, query.types ?? [], query.page_size);
        if (rows.length > 0 || Date.now() >= deadline) {
          return { results: rows.map(eventDto), next_cursor: String(rows.at(-1)?.sequence ?? after) };
        }
        await sleep(POLL_MS);
      }
    },

    /** Removes up to `limit` events past the retention (maintenance); none when every event is kept. */
    async prune(limit: number): Promise<number> {
      if (settings.retentionDays === undefined) return 0;
      const before = new Date(Date.now() - settings.retentionDays * 24 * 60 * 60 * 1000);
      return store.transaction(async (t) =>
        store.events.prune(before, await store.deliveries.oldestNeededEvent(t), limit, t),
      );
    },

    /** A record's events, newest first (after it is deleted too); a record that never was is a 404. */
    async history(subject: Subject, page: PageRequest): Promise<Paged<Event>> {
      await sequenced();
      const { count, rows } = await store.events.history(subject, page.page_size, offsetOf(page));
      if (count === 0) throw notFound(subject.type === 'contact' ? 'Contact not found.' : 'Customer not found.');
      return paged(page, count, rows.map(eventDto));
    },
  };
}
