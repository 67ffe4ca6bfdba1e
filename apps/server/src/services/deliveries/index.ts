import { randomUUID } from 'node:crypto';
import type { WebhookDelivery, WebhookPing } from '@ccm/contract';
import type { DeliveryRecord, DeliveryStatus, Store } from '../../db/index.js';
import { AppError, notFound } from '../errors.js';
import { offsetOf, type Paged, type PageRequest, paged } from '../pagination.js';

export { type DelivererSettings, startDeliverer } from './deliverer.js';

// A webhook's deliveries as the admin routes show and steer them (docs/api.md, "Webhooks").

const WEBHOOK_NOT_FOUND = 'Webhook not found.';
const iso = (d: Date | null) => d?.toISOString() ?? null;

const deliveryDto = (d: DeliveryRecord): WebhookDelivery => ({
  id: d.id,
  webhook_id: d.webhookId,
  event_id: d.messageId,
  event_type: d.eventType as WebhookDelivery['event_type'],
  status: d.status,
  attempts: d.attempts,
  last_attempt_at: iso(d.lastAttemptAt),
  response_status: d.responseStatus,
  response_time_ms: d.responseTimeMs,
  last_error: d.lastError,
  next_attempt_at: d.status === 'pending' ? iso(d.nextAttemptAt) : null,
  created_at: d.createdAt.toISOString(),
});

export function deliveriesService(store: Store) {
  const webhookExists = async (id: number) => {
    if (!(await store.webhooks.byId(id))) throw notFound(WEBHOOK_NOT_FOUND);
  };

  return {
    async list(webhookId: number, query: PageRequest & { status?: DeliveryStatus }): Promise<Paged<WebhookDelivery>> {
      await webhookExists(webhookId);
      const { count, rows } = await store.deliveries.page(webhookId, query.status, query.page_size, offsetOf(query));
      return paged(query, count, rows.map(deliveryDto));
    },

    /** Makes a delivery due now; one being sent this moment is a 409 (it is not sent twice at once). */
    async retry(webhookId: number, id: number): Promise<WebhookDelivery> {
      return store.transaction(async (t) => {
        const d = await store.deliveries.lock(webhookId, id, t);
        if (!d) throw notFound('Delivery not found.');
        const now = new Date();
        if (d.leaseToken && d.nextAttemptAt && d.nextAttemptAt > now) {
          throw new AppError('conflict', 'The delivery is being sent right now; try again in a moment.', undefined, 1);
        }
        await store.deliveries.again(d.id, now, t);
        return deliveryDto({ ...d, status: 'pending', nextAttemptAt: now, leaseToken: null });
      });
    },

    /** Queues a `ping` event for the webhook, due now. */
    async ping(webhookId: number): Promise<WebhookDelivery> {
      return store.transaction(async (t) => {
        if (!(await store.webhooks.lock(webhookId, t))) throw notFound(WEBHOOK_NOT_FOUND);
        const id = `msg_${randomUUID().replace(/-/g, '')}`;
        const ping: WebhookPing = {
          id,
          type: 'ping',
          occurred_at: new Date().toISOString(),
          data: { webhook_id: webhookId },
        };
        return deliveryDto(await store.deliveries.ping(t, webhookId, id, JSON.stringify(ping)));
      });
    },
  };
}
