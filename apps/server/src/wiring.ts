import type { Config } from './config.js';
import type { Store } from './db/index.js';
import { recentWritesInMemory } from './recent-writes.js';
import { signingSecret } from './secret.js';
import { createServices, type Limiters, type RecentWrites, type Services, type UserChanges } from './services/index.js';

/** Tolerated clock difference, in seconds, when checking a token's exp and iat. */
const TOKEN_LEEWAY_SECONDS = 5;

/**
 * The services over a store, with the settings they take from the configuration, and, in a server, the limits
 * and the channel that tells the other server processes of changed users.
 */
export function servicesFor(
  store: Store,
  config: Config,
  limiters?: Limiters,
  userChanges?: UserChanges,
  recentWrites: RecentWrites = recentWritesInMemory(config.readYourWritesWindowMs),
): Services {
  const secret = signingSecret(config);
  return createServices(store, {
    phoneRegion: config.defaultPhoneRegion,
    exportPageSize: config.exportPageSize,
    // A long poll answers before the request's time limit does.
    maxEventWaitMs: Math.max(0, config.requestTimeoutMs - 2000),
    eventsRetentionDays: config.eventsRetentionDays,
    webhookAllowPrivateNetworks: config.webhooks.allowPrivateNetworks,
    idempotency: { ttlSeconds: config.idempotencyKeyTtlSeconds },
    limiters,
    userChanges,
    consistency: { secret, windowMs: config.readYourWritesWindowMs, recentWrites },
    tokens: {
      secret,
      issuer: config.jwt.issuer,
      audience: config.jwt.audience,
      accessTtl: config.jwt.accessTtl,
      refreshTtl: config.jwt.refreshTtl,
      leeway: TOKEN_LEEWAY_SECONDS,
    },
  });
}
