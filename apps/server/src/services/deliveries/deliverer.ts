import { randomUUID } from 'node:crypto';
import type { AttemptResult, DeliveryRecord, EventRecord, Store, WebhookRecord } from '../../db/index.js';
import type { ConsistencyService } from '../consistency.js';
import { eventDto, sequenceEvents } from '../events.js';
import { eventGone, outcomeOf, type RetrySettings } from './schedule.js';
import { post } from './send.js';
import { signedHeaders } from './signing.js';

export interface DelivererSettings extends RetrySettings {
  timeoutMs: number;
  allowPrivateNetworks: boolean;
}

/** Deliveries sent at once by one process. */
const CONCURRENCY = 32;
/** How often an idle deliverer looks for work. */
const POLL_MS = 250;
/**
 * How often new events are numbered while no webhook is active (a reader of the feed numbers them on demand):
 * each numbering is a write transaction, and on SQLite a turn of the one writer.
 */
const IDLE_NUMBERING_MS = 5000;
/** Attempts' ends are recorded together, at most this long after the first of them. */
const FLUSH_MS = 20;
/** A claim outlives an attempt by this much: time to record its end. */
const LEASE_MARGIN_MS = 5000;
/** At a stop, attempts under way get this long to end; the others are sent again when their claims run out. */
const STOP_GRACE_MS = 2000;

interface Claimed {
  delivery: DeliveryRecord;
  hook: WebhookRecord;
  body: string;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

/** The body of a delivery: its event as the feed shows it, or the ping's own. */
function bodyOf(d: DeliveryRecord, events: Map<number, EventRecord>): string | undefined {
  if (d.payload !== null) return d.payload;
  const event = d.eventRow === null ? undefined : events.get(d.eventRow);
  return event && JSON.stringify(eventDto(event));
}

/**
 * Claims up to `limit` due deliveries under a lease, with what sending them takes; a delivery whose event was
 * pruned ends here.
 */
async function claim(store: Store, settings: DelivererSettings, token: string, limit: number): Promise<Claimed[]> {
  const now = new Date();
  if (!(await store.deliveries.anyDue(now))) return [];
  const leaseEnd = new Date(now.getTime() + settings.timeoutMs + LEASE_MARGIN_MS);
  return store.transaction(async (t) => {
    const claimed = await store.deliveries.claim(t, limit, now, leaseEnd, token);
    const rows = claimed.flatMap((d) => (d.eventRow === null ? [] : [d.eventRow]));
    const events = await store.events.byRows(t, rows);
    const hooks = await store.webhooks.byIds([...new Set(claimed.map((d) => d.webhookId))], t);
    const ready: Claimed[] = [];
    const gone: AttemptResult[] = [];
    for (const delivery of claimed) {
      const body = bodyOf(delivery, events);
      if (body === undefined) gone.push(eventGone(delivery, now));
      else ready.push({ delivery, hook: hooks.get(delivery.webhookId)!, body });
    }
    if (gone.length > 0) await store.deliveries.finish(t, gone, now);
    return ready;
  });
}

/** Records the ends of attempts, and what they say of their webhooks: working again, failing, or given up. */
async function record(store: Store, settings: DelivererSettings, batch: AttemptResult[]): Promise<void> {
  const now = new Date();
  await store.transaction(async (t) => {
    const recorded = new Set(await store.deliveries.finish(t, batch, now));
    const ok = new Set<number>();
    const failed = new Set<number>();
    for (const r of batch) {
      if (recorded.has(r.id)) (r.status === 'succeeded' ? ok : failed).add(r.webhookId);
    }
    await store.webhooks.succeeded([...ok], t);
    const failing = [...failed].filter((id) => !ok.has(id));
    const since = new Date(now.getTime() - settings.disableAfterMs);
    const hours = Number((settings.disableAfterMs / 3600_000).toPrecision(3));
    const reason = `Every delivery failed for ${hours} hours; disabled at ${now.toISOString()}.`;
    await store.webhooks.failed(failing, now, since, reason, t);
  });
}

/**
 * The deliverer every server process runs (docs/api.md, "Webhooks"): it numbers new events (which makes their
 * deliveries), claims due deliveries under a lease shared through the database, sends them, and records their ends
 * in one transaction per batch. A process that dies leaves its claims to run out; another sends them again.
 */
export function startDeliverer(
  store: Store,
  consistency: Pick<ConsistencyService, 'settled'>,
  settings: DelivererSettings,
  log: (err: unknown) => void,
) {
  const token = randomUUID();
  let inFlight = 0;
  let stopped = false;
  let pending: AttemptResult[] = [];
  let flushing: Promise<void> | undefined;
  let wake: (() => void) | undefined;

  const flushSoon = () => {
    flushing ??= sleep(FLUSH_MS)
      .then(() => {
        const batch = pending;
        pending = [];
        return record(store, settings, batch);
      })
      .catch(log)
      .finally(() => {
        flushing = undefined;
        if (pending.length > 0) flushSoon();
        // Deliveries that waited behind the ones just ended may be due now.
        wake?.();
      });
  };

  const send = async ({ delivery, hook, body }: Claimed, token: string | undefined) => {
    const at = new Date();
    const headers = signedHeaders(hook, delivery.messageId, body, at);
    // A receiver that reads the record back with this token reads it at least as new as the event (docs/api.md).
    if (token) headers['x-consistency-token'] = token;
    const attempt = await post(hook.url, headers, body, settings);
    pending.push(outcomeOf(delivery, attempt, at, settings));
    flushSoon();
  };

  let numberedAt = 0;
  /** Numbers new events (which makes their deliveries) at once while a webhook is active, else now and then. */
  const number = async () => {
    if (Date.now() - numberedAt < IDLE_NUMBERING_MS && !(await store.webhooks.anyActive())) return;
    numberedAt = Date.now();
    await sequenceEvents(store);
  };

  /** One look for work; answers whether there may be more at once. */
  const round = async (): Promise<boolean> => {
    await number();
    const room = CONCURRENCY - inFlight;
    if (room <= 0) return false;
    const claimed = await claim(store, settings, token, room);
    // The read replicas in rotation replay the claimed events first (a short wait at most).
    const consistent = claimed.length > 0 ? await consistency.settled() : undefined;
    for (const c of claimed) {
      inFlight++;
      void send(c, consistent)
        .catch(log)
        .finally(() => inFlight--);
    }
    return claimed.length === room;
  };

  const loop = (async () => {
    while (!stopped) {
      const busy = await round().catch((err: unknown) => {
        log(err);
        return false;
      });
      if (busy || stopped) continue;
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, POLL_MS).unref();
      });
      wake = undefined;
    }
  })();

  return {
    /** Stops claiming; records the attempts under way that end within a short grace. */
    async stop() {
      stopped = true;
      wake?.();
      await loop;
      const deadline = Date.now() + STOP_GRACE_MS;
      while ((inFlight > 0 && Date.now() < deadline) || flushing) await (flushing ?? sleep(20));
    },
  };
}
