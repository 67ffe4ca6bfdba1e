import { randomBytes } from 'node:crypto';
import type { Webhook, WebhookCreateSchema, WebhookPatchSchema } from '@ccm/contract';
import type { z } from 'zod';
import type { Store, WebhookRecord } from '../db/index.js';
import { notFound, validationError } from './errors.js';
import { refusalOf } from './outbound.js';
import { offsetOf, type Paged, type PageRequest, paged } from './pagination.js';

// Webhook endpoints (docs/api.md, "Webhooks"): registration, secrets and their rotation. Deliveries: to come.

const NOT_FOUND = 'Webhook not found.';
/** How long a rotated-out secret still signs beside the new one. */
const ROTATION_OVERLAP_MS = 24 * 60 * 60 * 1000;

/** A Standard Webhooks secret: `whsec_` and 24 random bytes in base64. */
const newSecret = () => `whsec_${randomBytes(24).toString('base64')}`;

const webhookDto = (w: WebhookRecord): Webhook => ({
  id: w.id,
  url: w.url,
  events: w.events as Webhook['events'],
  description: w.description,
  is_active: w.isActive,
  disabled_reason: w.disabledReason,
  created_at: w.createdAt.toISOString(),
  updated_at: w.updatedAt.toISOString(),
});

export function webhooksService(store: Store, settings: { allowPrivateNetworks: boolean }) {
  const checkUrl = async (url: string) => {
    const refusal = await refusalOf(url, settings.allowPrivateNetworks);
    if (refusal) throw validationError({ url: [refusal] });
  };

  return {
    async list(page: PageRequest): Promise<Paged<Webhook>> {
      const { count, rows } = await store.webhooks.page(page.page_size, offsetOf(page));
      return paged(page, count, rows.map(webhookDto));
    },

    async get(id: number): Promise<Webhook> {
      const w = await store.webhooks.byId(id);
      if (!w) throw notFound(NOT_FOUND);
      return webhookDto(w);
    },

    async create(data: z.output<typeof WebhookCreateSchema>): Promise<Webhook & { secret: string }> {
      await checkUrl(data.url);
      const secret = newSecret();
      return store.transaction(async (t) => {
        const w = await store.webhooks.insert({ ...data, isActive: true }, secret, t);
        return { ...webhookDto(w), secret };
      });
    },

    /** Changes a webhook; a rotation answers the new secret once, the old one signing beside it for 24 hours. */
    async update(id: number, patch: z.output<typeof WebhookPatchSchema>): Promise<Webhook & { secret?: string }> {
      if (patch.url !== undefined) await checkUrl(patch.url);
      return store.transaction(async (t) => {
        const w = await store.webhooks.lock(id, t);
        if (!w) throw notFound(NOT_FOUND);
        const next: WebhookRecord = {
          ...w,
          url: patch.url ?? w.url,
          events: patch.events ?? w.events,
          description: patch.description ?? w.description,
          isActive: patch.is_active ?? w.isActive,
          // Enabled again by hand: the server's reason for disabling it no longer stands.
          disabledReason: patch.is_active === true ? null : w.disabledReason,
          failingSince: patch.is_active === true ? null : w.failingSince,
        };
        const secret = patch.rotate_secret ? newSecret() : undefined;
        if (secret) {
          Object.assign(next, {
            secret,
            previousSecret: w.secret,
            previousSecretUntil: new Date(Date.now() + ROTATION_OVERLAP_MS),
          });
        }
        const updated = webhookDto(await store.webhooks.update(next, t));
        return secret ? { ...updated, secret } : updated;
      });
    },

    async remove(id: number): Promise<void> {
      await store.transaction(async (t) => {
        if (!(await store.webhooks.remove(id, t))) throw notFound(NOT_FOUND);
      });
    },
  };
}
