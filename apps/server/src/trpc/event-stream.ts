import { setTimeout as sleep } from 'node:timers/promises';
import { contract, EventListInputSchema, type RouteMetadata } from '@ccm/contract';
import { tracked } from '@trpc/server';
import type { z } from 'zod';
import { authorize } from '../services/access.js';
import { asAppError, type Services } from '../services/index.js';
import { errors, t } from './builder.js';
import { trpcErrorOf } from './errors.js';
import type { EventStreamInput } from './router.js';
import type { Context } from './types.js';

/**
 * `events.onChange` (docs/api.md, "Live stream over tRPC"): the record of changes as a tRPC subscription over
 * server-sent events, each event tracked by its sequence so that a client that reconnects resumes after the last
 * one it got. It reads the same feed as `GET /api/events/`, with the same access.
 */

/** Who may follow the stream: whoever may read the feed. */
const META = contract.events.list.metadata as RouteMetadata;

/** The feed's `after` and `types`; tRPC adds `lastEventId` (the last event's sequence) when the client reconnects. */
export const EventStreamInputSchema = EventListInputSchema.pick({ after: true, types: true })
  .extend({ lastEventId: EventListInputSchema.shape.after.nullable() })
  .optional() satisfies z.ZodType<EventStreamInput, z.ZodTypeDef, EventStreamInput>;

/** How many events one read of the feed takes at most. */
const BATCH = 100;
/** How long the stream waits before reading again when the feed had nothing new. */
const POLL_MS = 250;
/** How often the caller's token and role are checked again while the stream stays open. */
const RECHECK_MS = 5_000;

/** The Authorization header, or else the `token` of the connection params (an EventSource sends no headers). */
const authorizationOf = (ctx: Context) =>
  ctx.authorization ?? (ctx.connectionToken ? `Bearer ${ctx.connectionToken}` : undefined);

/**
 * The subscription. It reads the feed without waiting there (`wait: 0`) and pauses itself between reads, so that a
 * client gone (`signal`) or a server closing (`closing`) ends it at once, with no read left running behind it.
 */
export function eventStream(services: Services, closing?: AbortSignal) {
  return t.procedure
    .meta(META)
    .use(errors)
    .use(async ({ ctx, next }) => {
      const authorization = authorizationOf(ctx);
      const principal = await services.admit(META.access, { ...ctx, authorization });
      return next({ ctx: { principal, token: authorization?.replace(/^Bearer /i, '') ?? '' } });
    })
    .input(EventStreamInputSchema)
    .subscription(async function* ({ input, ctx, signal }) {
      const stop = new AbortController();
      const end = () => stop.abort();
      for (const s of [signal, closing]) {
        if (s?.aborted) end();
        s?.addEventListener('abort', end, { once: true });
      }
      try {
        yield* follow(services, { ...input, token: ctx.token }, stop.signal);
      } catch (err) {
        const appError = asAppError(err);
        throw appError ? trpcErrorOf(appError) : err;
      } finally {
        for (const s of [signal, closing]) s?.removeEventListener('abort', end);
      }
      // Ended by the shutdown: an abort, so that the stream closes without tRPC's `return` and the client's
      // EventSource reconnects (to another server) from the last event id.
      if (closing?.aborted && !signal?.aborted) throw new DOMException('The server is shutting down.', 'AbortError');
    });
}

/** The feed from the input's place on, event after event, until `stop` aborts or the caller loses its access. */
async function* follow(
  services: Services,
  input: NonNullable<EventStreamInput> & { token: string },
  stop: AbortSignal,
) {
  let after = input.lastEventId ?? input.after ?? '';
  let recheckAt = Date.now() + RECHECK_MS;
  while (!stop.aborted) {
    if (Date.now() >= recheckAt) {
      // A token that expired, a user deactivated or demoted: the stream ends as the next request would.
      authorize(await services.auth.authenticate(input.token), META.access);
      recheckAt = Date.now() + RECHECK_MS;
    }
    const page = await services.events.feed({ after, types: input.types, page_size: BATCH, wait: 0 });
    // The read replicas in rotation replay these events first: a client reading a record at once finds it as new.
    if (page.results.length > 0) await services.consistency.settled();
    for (const event of page.results) yield tracked(String(event.sequence), event);
    after = page.next_cursor;
    if (page.results.length < BATCH) await sleep(POLL_MS, undefined, { signal: stop }).catch(() => {});
  }
}
