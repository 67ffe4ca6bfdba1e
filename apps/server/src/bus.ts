import { Redis } from 'ioredis';
import type { Logger } from './logger.js';
import type { UserChanges } from './services/index.js';

const SUBSCRIBE_WAIT_MS = 5_000;

/**
 * Changed users announced to every server process through Redis pub/sub (REDIS_URL), so that a role change,
 * a deactivation or revoked sessions take effect on all of them at once (services/accounts.ts). A message lost
 * while Redis is away costs only time: each process reads a user's state again within seconds anyway.
 */
export function userChangesOverRedis(
  url: string,
  keyPrefix: string,
  logger: Logger,
): UserChanges & { ready: Promise<void>; close(): Promise<void> } {
  const channel = `${keyPrefix}:user-changed`;
  const options = { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: false };
  const publisher = new Redis(url, options);
  const subscriber = new Redis(url, { ...options, enableOfflineQueue: true });
  const listeners: ((userId: number) => void)[] = [];
  // ioredis reconnects by itself; the limits already say when Redis is away (limits.ts).
  for (const r of [publisher, subscriber]) r.on('error', () => {});
  // Start-up waits for the subscription (a change announced before it would be missed), at most a few seconds.
  const ready = Promise.race([
    subscriber.subscribe(channel).then(
      () => {},
      (err: Error) => logger.warn({ err: err.message }, 'user changes: subscribe failed'),
    ),
    new Promise<void>((resolve) => setTimeout(resolve, SUBSCRIBE_WAIT_MS).unref()),
  ]);
  subscriber.on('message', (from: string, message: string) => {
    const userId = Number(message);
    if (from === channel && Number.isSafeInteger(userId)) for (const listener of listeners) listener(userId);
  });
  return {
    ready,
    publish(userId) {
      publisher.publish(channel, String(userId)).catch(() => {});
    },
    subscribe(listener) {
      listeners.push(listener);
    },
    async close() {
      await Promise.all([publisher, subscriber].map((r) => r.quit().catch(() => r.disconnect())));
    },
  };
}
