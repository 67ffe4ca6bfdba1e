import { Redis } from 'ioredis';
import { later, type Position } from './db/index.js';
import type { LastWrite, RecentWrites } from './services/index.js';

/** Entries past their window are dropped when the map grows past this many (memory stays bounded by users). */
const SWEEP_ABOVE = 10_000;

/**
 * Each user's last write within the last `windowMs`, with the primary's log position after it, in this process's
 * memory: the guarantee for reads without a token then holds per process (docs/databases.md).
 */
export function recentWritesInMemory(windowMs: number): RecentWrites {
  const writes = new Map<number, { until: number; write: LastWrite }>();
  return {
    async mark(userId, position) {
      const now = Date.now();
      if (writes.size > SWEEP_ABOVE) for (const [id, w] of writes) if (w.until <= now) writes.delete(id);
      const kept = writes.get(userId);
      const before = kept && kept.until > now ? kept.write : undefined;
      // A write of unknown position (no binary log) makes every later one unknown for the window.
      const write = !position || before === 'unknown' ? 'unknown' : (later(before, position) as Position);
      writes.set(userId, { until: now + windowMs, write });
    },
    async lastWrite(userId) {
      const kept = writes.get(userId);
      return kept && kept.until > Date.now() ? kept.write : undefined;
    },
    async close() {},
  };
}

/**
 * Keeps the later sequence of each domain (hex text: a longer one is larger), and `x` for a write of unknown
 * position; the key expires with the window. KEYS[1]: the user's key; ARGV: field, value pairs, then the window.
 */
const MARK = `
for i = 1, #ARGV - 1, 2 do
  local old = redis.call('HGET', KEYS[1], ARGV[i])
  local new = ARGV[i + 1]
  if (not old) or #new > #old or (#new == #old and new > old) then redis.call('HSET', KEYS[1], ARGV[i], new) end
end
redis.call('PEXPIRE', KEYS[1], ARGV[#ARGV])
return 1`;

/**
 * The same, shared by every server process through Redis (REDIS_URL): a hash per user, its domains' sequences,
 * expiring with the window. This process's own writes are also kept in memory; while Redis does not answer, a
 * user counts as having written at an unknown position (the primary answers, which is never stale).
 */
export function recentWritesInRedis(url: string, keyPrefix: string, windowMs: number): RecentWrites {
  const redis = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
  // ioredis reconnects by itself; the limits already say when Redis is away (limits.ts).
  redis.on('error', () => {});
  const local = recentWritesInMemory(windowMs);
  const key = (userId: number) => `${keyPrefix}:wrote:${userId}`;
  return {
    async mark(userId, position) {
      await local.mark(userId, position);
      if (windowMs === 0) return;
      const fields = position ? [...position].flatMap(([d, seq]) => [String(d), seq.toString(16)]) : ['x', '1'];
      await redis.eval(MARK, 1, key(userId), ...fields, String(windowMs)).catch(() => {});
    },
    async lastWrite(userId) {
      const mine = await local.lastWrite(userId);
      if (windowMs === 0 || mine === 'unknown') return mine;
      const shared = await redis.hgetall(key(userId)).catch(() => undefined);
      if (!shared) return 'unknown';
      if ('x' in shared) return 'unknown';
      const entries = Object.entries(shared).map(([d, hex]) => [Number(d), BigInt(`0x${hex}`)] as const);
      return later(mine, entries.length > 0 ? new Map(entries) : undefined);
    },
    async close() {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
