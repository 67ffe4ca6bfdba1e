import type { Store } from '../db/index.js';
import { authService } from './auth.js';
import { contactsService } from './contacts.js';
import { customersService } from './customers.js';
import { type TokenSettings, tokenIssuer } from './tokens.js';

export { authorize, type Principal } from './access.js';
export { AppError, type ErrorCode, fieldErrorsFromZod } from './errors.js';
export { hasNext, type Paged } from './pagination.js';

export interface ServiceSettings {
  phoneRegion: string;
  tokens: TokenSettings;
}

/** Every rule of the API, over one store; the REST and tRPC adapters both call these. */
export function createServices(store: Store, settings: ServiceSettings) {
  return {
    auth: authService(store, tokenIssuer(settings.tokens)),
    contacts: contactsService(store, settings),
    customers: customersService(store, settings),
    ready: () => store.ping(),
  };
}

export type Services = ReturnType<typeof createServices>;
