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

export type Role = 'admin' | 'staff' | 'viewer';

/**
 * The signed-in user's role, read from the access token's claims: only to show or hide controls (the server
 * checks every call against the user's current role).
 */
export async function currentRole(): Promise<Role | undefined> {
  const access = (await ccm.getTokens())?.access;
  const payload = access?.split('.')[1];
  if (!payload) return undefined;
  const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
  return (JSON.parse(json) as { role?: Role }).role;
}
