import { type CcmClient, createClient, type TokenStore, type Tokens } from '@ccm/sdk';

/** The tokens live in the tab's sessionStorage: a reload keeps the session, closing the tab ends it. */
class TabTokenStore implements TokenStore {
  private static KEY = 'ccm.tokens';
  get(): Tokens | null {
    const saved = sessionStorage.getItem(TabTokenStore.KEY);
    return saved ? (JSON.parse(saved) as Tokens) : null;
  }
  set(tokens: Tokens | null): void {
    if (tokens) sessionStorage.setItem(TabTokenStore.KEY, JSON.stringify(tokens));
    else sessionStorage.removeItem(TabTokenStore.KEY);
  }
}

/** The one SDK client of the console: every call goes through it (its session renews itself before expiry). */
export const ccm: CcmClient = createClient({ baseUrl: window.location.origin, tokenStore: new TabTokenStore() });

export const signedIn = async () => (await ccm.getTokens()) !== null;

/** The signed-in user's current role, as the server has it: only to show or hide controls (it checks every call). */
export const currentRole = async () => (await ccm.auth.me()).role;
