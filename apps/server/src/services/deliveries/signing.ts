import { Webhook } from 'standardwebhooks';
import type { WebhookRecord } from '../../db/index.js';

/**
 * The Standard Webhooks headers of one attempt, signed with the reference library: `webhook-id` (the same on
 * every attempt of a delivery), `webhook-timestamp` (this attempt's, in seconds) and `webhook-signature`, which
 * during a secret's rotation holds the signatures of both secrets, the new one first.
 */
export function signedHeaders(hook: WebhookRecord, messageId: string, body: string, at: Date): Record<string, string> {
  const secrets = [hook.secret];
  if (hook.previousSecret && hook.previousSecretUntil && hook.previousSecretUntil > at)
    secrets.push(hook.previousSecret);
  return {
    'webhook-id': messageId,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': secrets.map((s) => new Webhook(s).sign(messageId, at, body)).join(' '),
  };
}
