import type { Store } from '../db/index.js';
import { admission } from './access.js';
import { ACCOUNT_STATE_TTL_MS, accountStates, noUserChanges, type UserChanges } from './accounts.js';
import { authService } from './auth/index.js';
import { type ConsistencySettings, consistencyService } from './consistency.js';
import { contactsService } from './contacts/index.js';
import { customersService } from './customers/index.js';
import { deliveriesService } from './deliveries/index.js';
import { asAppError } from './errors.js';
import { eventsService } from './events.js';
import { type IdempotencySettings, idempotency } from './idempotency.js';
import { type Limiters, noLimit, requestThrottle } from './limits.js';
import { type TokenSettings, tokenIssuer } from './tokens.js';
import { usersService } from './users.js';
import { webhooksService } from './webhooks.js';

export type { Principal } from './access.js';
export type { UserChanges } from './accounts.js';
export type { ConsistencyService, ConsistentCall, LastWrite, RecentWrites } from './consistency.js';
export { AppError, asAppError, type ErrorCode, fieldErrorsFromZod, unavailable } from './errors.js';
export { type EventActor, withActor } from './events.js';
export { type Limiter, type Limiters, noLimit } from './limits.js';
export { hasNext, type Paged } from './pagination.js';

export interface ServiceSettings {
  phoneRegion: string;
  /** Rows per statement of an export (default 200). */
  exportPageSize?: number;
  /** The longest a feed read may wait for an event (under the request's time limit). */
  maxEventWaitMs: number;
  /** Events older than this are pruned; undefined: kept. */
  eventsRetentionDays?: number;
  /** Webhooks may point at private, loopback and link-local addresses (tests, local development). */
  webhookAllowPrivateNetworks?: boolean;
  idempotency: IdempotencySettings;
  tokens: TokenSettings;
  /** Login throttling and the general rate limit; none when absent. */
  limiters?: Limiters;
  /** How the other server processes hear of changed users; none when absent (they read again within seconds). */
  userChanges?: UserChanges;
  /** Read-your-writes over the replicas: the tokens' secret, the window, who wrote lately. */
  consistency: ConsistencySettings;
}

/** Every rule of the API, over one store; the REST and tRPC adapters both call these. */
export function createServices(store: Store, settings: ServiceSettings) {
  const accounts = accountStates(
    (userId) => store.users.state(userId),
    settings.userChanges ?? noUserChanges,
    ACCOUNT_STATE_TTL_MS,
  );
  const auth = authService(store, tokenIssuer(settings.tokens), accounts, settings.limiters);
  return {
    auth,
    contacts: contactsService(store, settings),
    customers: customersService(store, settings),
    users: usersService(store, accounts),
    webhooks: webhooksService(store, { allowPrivateNetworks: settings.webhookAllowPrivateNetworks ?? false }),
    deliveries: deliveriesService(store),
    events: eventsService(store, { maxWaitMs: settings.maxEventWaitMs, retentionDays: settings.eventsRetentionDays }),
    /** Where each call's reads go, and the consistency tokens (consistency.ts). */
    consistency: consistencyService(store, settings.consistency),
    /** Idempotency-Key: one run per user and key, its answer stored with its change. */
    idempotency: idempotency(store, settings.idempotency),
    /**
     * Readiness: a write to the database commits, or `unavailable` (503 with Retry-After); answers the replicas'
     * states when there are some (a replica down leaves the rotation, and the server stays ready).
     */
    ready: async () => {
      await store.ping().catch((err: unknown) => {
        throw asAppError(err) ?? err;
      });
      if (!store.replicas.configured) return undefined;
      return store.replicas.status().map((r) => ({ name: r.name, state: r.state, lag_ms: r.lagMs }));
    },
    /** Every adapter's gate to an operation: token, rate limit (429), then the contract's access (access.ts). */
    admit: admission(auth.authenticate, requestThrottle(settings.limiters?.requests ?? noLimit)),
  };
}

export type Services = ReturnType<typeof createServices>;
