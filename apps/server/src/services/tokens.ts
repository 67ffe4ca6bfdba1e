import { randomUUID } from 'node:crypto';
import { type Role, RoleSchema } from '@ccm/contract';
import { jwtVerify, SignJWT } from 'jose';
import type { Principal } from './access.js';
import { unauthenticated } from './errors.js';

export interface TokenSettings {
  secret: Uint8Array;
  issuer: string;
  audience: string;
  accessTtl: number;
  refreshTtl: number;
  /** Seconds of clock difference tolerated on exp/iat. */
  leeway: number;
}

type TokenType = 'access' | 'refresh';
const INVALID = 'Given token not valid for any token type';
const isRole = (r: unknown): r is Role => RoleSchema.safeParse(r).success;

/** Access tokens already verified, kept until they expire; bounded so that a flood of tokens cannot grow it. */
const VERIFIED_MAX = 10_000;

export function tokenIssuer(settings: TokenSettings) {
  // A client sends the same access token on every call until it expires. Verifying it is an HMAC through
  // WebCrypto (a hop to libuv's thread pool, which SQLite's queries also use) and a claims check: done
  // once per token, then looked up. Only tokens that passed every check are kept, each until its expiry
  // (with the same leeway jose allows), so the answer is the same as verifying again.
  const verified = new Map<string, { principal: Principal; until: number }>();
  const sign = (type: TokenType, sub: number, claims: Record<string, unknown>, jti: string, ttl: number) =>
    new SignJWT({ ...claims, typ: type })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(String(sub))
      .setJti(jti)
      .setIssuedAt()
      .setExpirationTime(`${ttl}s`)
      .setIssuer(settings.issuer)
      .setAudience(settings.audience)
      .sign(settings.secret);

  /** Verifies signature (HS256 only: `alg: none` and others fail), issuer, audience, expiry and the token type. */
  async function verify(token: string, type: TokenType) {
    try {
      const { payload } = await jwtVerify(token, settings.secret, {
        algorithms: ['HS256'],
        issuer: settings.issuer,
        audience: settings.audience,
        clockTolerance: settings.leeway,
        requiredClaims: ['sub', 'jti', 'exp', 'iat'],
      });
      const sub = Number(payload.sub);
      if (payload.typ !== type || !Number.isSafeInteger(sub) || typeof payload.jti !== 'string') throw new Error();
      return { claims: payload, sub, jti: payload.jti };
    } catch {
      throw unauthenticated(INVALID);
    }
  }

  return {
    accessTtl: settings.accessTtl,
    refreshTtl: settings.refreshTtl,
    /** `sv`: the user's session version when the token was issued (services/accounts.ts). */
    access: (user: { id: number; username: string; role: Role; sessionVersion: number }) =>
      sign(
        'access',
        user.id,
        { role: user.role, username: user.username, sv: user.sessionVersion },
        randomUUID(),
        settings.accessTtl,
      ),
    refresh: (userId: number, jti: string) => sign('refresh', userId, {}, jti, settings.refreshTtl),

    async principal(token: string): Promise<Principal> {
      const known = verified.get(token);
      if (known && Date.now() < known.until) return known.principal;
      if (known) verified.delete(token);
      const p = await verify(token, 'access');
      const { role, username, sv = 0 } = p.claims;
      if (!isRole(role) || typeof username !== 'string' || !Number.isSafeInteger(sv)) throw unauthenticated(INVALID);
      const principal: Principal = Object.freeze({ userId: p.sub, username, role, sessionVersion: sv as number });
      if (verified.size >= VERIFIED_MAX) verified.delete(verified.keys().next().value as string);
      verified.set(token, { principal, until: ((p.claims.exp as number) + settings.leeway) * 1000 });
      return principal;
    },
    verifyRefresh: (token: string) => verify(token, 'refresh'),
  };
}

export type TokenIssuer = ReturnType<typeof tokenIssuer>;
