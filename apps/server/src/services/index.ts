import type { Store } from '../db/index.js';
import { authService } from './auth.js';
import { contactsService } from './contacts.js';
import { customersService } from './customers.js';
import { AppError } from './errors.js';
import { type Limiters, noLimits, requestThrottle } from './limits.js';
import { type TokenSettings, tokenIssuer } from './tokens.js';
import { usersService } from './users.js';

export { authorize, type Principal } from './access.js';

import { admission } from './access.js';

export { AppError, type ErrorCode, fieldErrorsFromZod } from './errors.js';
export { type Caller, type Limiter, type Limiters, noLimit, noLimits } from './limits.js';
export { hasNext, type Paged } from './pagination.js';

export interface ServiceSettings {
  phoneRegion: string;
  tokens: TokenSettings;
  /** Login throttling and the general rate limit; none when absent. */
  limiters?: Limiters;
}

/** Every rule of the API, over one store; the REST and tRPC adapters both call these. */
export function createServices(store: Store, settings: ServiceSettings) {
  const auth = authService(store, tokenIssuer(settings.tokens), settings.limiters);
  const throttle = requestThrottle(settings.limiters?.requests ?? noLimits.requests);
  return {
    auth,
    contacts: contactsService(store, settings),
    customers: customersService(store, settings),
    users: usersService(store),
    /** Readiness: the database answers, or `unavailable` (503). */
    ready: () =>
      store.ping().catch(() => {
        throw new AppError('unavailable', 'The database is not reachable.');
      }),
    /** The general rate limit (429), applied by `admit`; exposed for callers outside an operation. */
    throttle,
    /** Every adapter's gate to an operation: token, rate limit, then the contract's access (access.ts). */
    admit: admission(auth.authenticate, throttle),
  };
}

export type Services = ReturnType<typeof createServices>;
