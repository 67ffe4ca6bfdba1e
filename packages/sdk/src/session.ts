import { abortable } from './deadline.js';
import { CcmApiError } from './errors.js';
import type { Authenticator } from './send.js';
import { expiresSoon, type TokenStore, type Tokens } from './tokens.js';

export interface SessionConfig {
  store: TokenStore;
  initial: Tokens | undefined;
  leewaySeconds: number;
  /** POST auth/token/refresh/ through the transport; rejects with a CcmApiError on an error answer. */
  refresh(refreshToken: string): Promise<Tokens>;
  onSessionExpired: ((error: CcmApiError) => void) | undefined;
}

/**
 * The tokens of one client. One renewal at a time: every call that needs a new access token while a renewal is
 * in flight waits for that renewal (the server rotates refresh tokens and treats a reused one as theft, so two
 * parallel renewals would end the session).
 */
export class Session implements Authenticator {
  private renewal: Promise<Tokens | null> | undefined;
  /** Bumped by login, logout and setTokens: a renewal started before them must not overwrite their tokens. */
  private generation = 0;
  private ready: Promise<void>;

  constructor(private readonly config: SessionConfig) {
    this.ready = config.initial ? Promise.resolve(config.store.set(config.initial)) : Promise.resolve();
  }

  async tokens(): Promise<Tokens | null> {
    await this.ready;
    return (await this.config.store.get()) ?? null;
  }

  async setTokens(tokens: Tokens | null): Promise<void> {
    await this.ready;
    this.generation += 1;
    await this.config.store.set(tokens);
  }

  /** Waits for a renewal in flight (so that logout does not race it). */
  async settle(): Promise<void> {
    await this.renewal?.catch(() => undefined);
  }

  async accessToken(signal: AbortSignal): Promise<string | undefined> {
    const tokens = await this.tokens();
    if (!tokens) return undefined;
    if (!expiresSoon(tokens.access, this.config.leewaySeconds)) return tokens.access;
    try {
      return (await abortable(this.renew(tokens.access), signal))?.access;
    } catch (error) {
      // Renewing early failed for want of a server (not because the session is over): the token still works.
      if (!CcmApiError.is(error) && !signal.aborted && !expiresSoon(tokens.access, 0)) return tokens.access;
      throw error;
    }
  }

  async renewAfter401(rejected: string, signal: AbortSignal): Promise<boolean> {
    const tokens = await this.tokens();
    if (!tokens) return false;
    return (await abortable(this.renew(rejected), signal)) !== null;
  }

  /** Fresh tokens, renewed first when `stale` is still the current access token; null when signed out. */
  renew(stale: string): Promise<Tokens | null> {
    if (!this.renewal) {
      this.renewal = this.doRenew(stale).finally(() => {
        this.renewal = undefined;
      });
    }
    return this.renewal;
  }

  private async doRenew(stale: string): Promise<Tokens | null> {
    const generation = this.generation;
    const current = await this.tokens();
    if (!current) return null;
    // Another call renewed it between this caller's read and now: use the new token.
    if (current.access !== stale) return current;

    try {
      const next = await this.config.refresh(current.refresh);
      if (generation === this.generation) await this.config.store.set(next);
      return next;
    } catch (error) {
      // The refresh token is no good (expired, revoked, rotated): the session is over.
      if (CcmApiError.is(error) && error.status < 500 && generation === this.generation) {
        this.generation += 1;
        await this.config.store.set(null);
        this.config.onSessionExpired?.(error);
      }
      throw error;
    }
  }
}
