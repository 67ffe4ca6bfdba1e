import { Redis } from 'ioredis';
import { type RateLimiterAbstract, RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { Config } from './config.js';
import type { Logger } from './logger.js';
import { type Limiter, type Limiters, noLimit } from './services/index.js';

/** How long start-up waits for Redis before going on with the in-memory fallback. */
const REDIS_CONNECT_WAIT_MS = 5_000;

export interface LimiterBackend {
  limiters: Limiters;
  /** `redis` when the counts are shared through Redis, `memory` when they live in this process. */
  store: 'redis' | 'memory';
  close(): Promise<void>;
}

/** A rate-limiter-flexible limiter behind the services' Limiter interface. */
function wrap(limiter: RateLimiterAbstract): Limiter {
  const retryAfter = (res: RateLimiterRes) => Math.max(1, Math.ceil(res.msBeforeNext / 1000));
  return {
    async consume(key) {
      try {
        const res = await limiter.consume(key);
        return { allowed: true, retryAfterSeconds: retryAfter(res) };
      } catch (err) {
        // Over the limit is a RateLimiterRes; anything else is a store failure the insurance did not absorb.
        if (err instanceof RateLimiterRes) return { allowed: false, retryAfterSeconds: retryAfter(err) };
        throw err;
      }
    },
    async refund(key) {
      await limiter.reward(key, 1);
    },
    async reset(key) {
      await limiter.delete(key);
    },
  };
}

interface Budget {
  /** Key prefix under REDIS_KEY_PREFIX, e.g. `login-user`. */
  name: string;
  points: number;
  seconds: number;
}

/**
 * The limiters of the configuration: in Redis when REDIS_URL is set, so that every server process counts
 * together; in this process's memory otherwise. While Redis cannot be reached, each process counts in
 * memory (rate-limiter-flexible's insurance limiter) rather than refusing logins or letting everything by.
 */
export async function createLimiters(config: Config, logger: Logger): Promise<LimiterBackend> {
  const { limits } = config;
  const budgets = {
    loginByUsername: { name: 'login-user', points: limits.loginMaxFailures, seconds: limits.loginWindowSeconds },
    loginByAddress: {
      name: 'login-addr',
      points: limits.loginMaxFailuresPerAddress,
      seconds: limits.loginWindowSeconds,
    },
    requests: { name: 'requests', points: limits.requestsPerMinute, seconds: 60 },
  } satisfies Record<keyof Limiters, Budget>;

  const redis = config.redis.url ? await connectRedis(config.redis.url, logger) : undefined;
  const make = (b: Budget): Limiter => {
    if (b.points === 0) return noLimit;
    const memory = new RateLimiterMemory({ points: b.points, duration: b.seconds, keyPrefix: b.name });
    if (!redis) return wrap(memory);
    return wrap(
      new RateLimiterRedis({
        storeClient: redis,
        points: b.points,
        duration: b.seconds,
        keyPrefix: `${config.redis.keyPrefix}:${b.name}`,
        rejectIfRedisNotReady: true,
        insuranceLimiter: memory,
      }),
    );
  };
  return {
    limiters: {
      loginByUsername: make(budgets.loginByUsername),
      loginByAddress: make(budgets.loginByAddress),
      requests: make(budgets.requests),
    },
    store: redis ? 'redis' : 'memory',
    async close() {
      if (!redis) return;
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}

async function connectRedis(url: string, logger: Logger): Promise<Redis> {
  const redis = new Redis(url, {
    // A command while disconnected fails at once (and the limiter falls back to memory) instead of queueing.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: REDIS_CONNECT_WAIT_MS,
  });
  let healthy = true;
  redis.on('error', (err: Error) => {
    // ioredis keeps reconnecting; say so once per outage, not once per attempt.
    if (healthy)
      logger.error({ err: err.message }, 'Redis unreachable: rate limits count in this process until it answers');
    healthy = false;
  });
  redis.on('ready', () => {
    if (!healthy) logger.info('Redis reachable again: rate limits shared again');
    healthy = true;
  });
  // Start once Redis answers, or as soon as it is known not to (the fallback counts until it does).
  await new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      redis.off('ready', done);
      redis.off('error', done);
      resolve();
    };
    const timer = setTimeout(done, REDIS_CONNECT_WAIT_MS);
    timer.unref();
    redis.once('ready', done);
    redis.once('error', done);
  });
  return redis;
}
