import { Redis } from 'ioredis';
import type { RecentWrites } from './services/index.js';

/** Entries past their window are dropped when the map grows past this many (memory stays bounded by users). */
const SWEEP_ABOVE = 10_000;

/**
 * Which users wrote within the last `windowMs`, in this process's memory: the guarantee for reads without a token
 * then holds per process (docs/databases.md).
 */
export function recentWritesInMemory(windowMs: number): RecentWrites {
  const until = new Map<number, number>();
  return {
    async mark(userId) {
      const now = Date.now();
      if (until.size > SWEEP_ABOVE) for (const [id, end] of until) if (end <= now) until.delete(id);
      until.set(userId, now + windowMs);
    },
    async wroteWithin(userId) {
      return (until.get(userId) ?? 0) > Date.now();
    },
    async close() {},
  };
}

/**
 * The same, shared by every server process through Redis (REDIS_URL): a key per user that expires with the window.
 * This process's own writes are also kept in memory, and while Redis does not answer a user counts as having
 * written (the primary answers, which is never stale).
 */
export function recentWritesInRedis(url: string, keyPrefix: string, windowMs: number): RecentWrites {
  const redis = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
  // ioredis reconnects by itself; the limits already say when Redis is away (limits.ts).
  redis.on('error', () => {});
  const local = recentWritesInMemory(windowMs);
  const key = (userId: number) => `${keyPrefix}:wrote:${userId}`;
  return {
    async mark(userId) {
      await local.mark(userId);
      if (windowMs > 0) await redis.set(key(userId), '1', 'PX', windowMs).catch(() => {});
    },
    async wroteWithin(userId) {
      if (await local.wroteWithin(userId)) return true;
      if (windowMs === 0) return false;
      return redis.exists(key(userId)).then(
        (n) => n > 0,
        () => true,
      );
    },
    async close() {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
