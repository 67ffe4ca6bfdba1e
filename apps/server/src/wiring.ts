import type { Config } from './config.js';
import type { Store } from './db/index.js';
import { signingSecret } from './secret.js';
import { createServices, type Limiters, type Services } from './services/index.js';

/** Tolerated clock difference, in seconds, when checking a token's exp and iat. */
const TOKEN_LEEWAY_SECONDS = 5;

/** The services over a store, with the settings they take from the configuration (and the limits, if any). */
export function servicesFor(store: Store, config: Config, limiters?: Limiters): Services {
  return createServices(store, {
    phoneRegion: config.defaultPhoneRegion,
    limiters,
    tokens: {
      secret: signingSecret(config),
      issuer: config.jwt.issuer,
      audience: config.jwt.audience,
      accessTtl: config.jwt.accessTtl,
      refreshTtl: config.jwt.refreshTtl,
      leeway: TOKEN_LEEWAY_SECONDS,
    },
  });
}
