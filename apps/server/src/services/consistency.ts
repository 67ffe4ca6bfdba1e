import { createHmac, timingSafeEqual } from 'node:crypto';
import {
  committedBefore,
  later,
  type Position,
  positionFromText,
  positionText,
  type ReadRoute,
  type Store,
} from '../db/index.js';

/*
 * Read-your-writes over read replicas (docs/databases.md, "Read replicas"; docs/api.md, "Consistency tokens"). Every
 * call of either adapter runs here, which chooses where its reads go, once:
 * - a write, and a read that must see the newest state (the change feed, histories), on the primary;
 * - a read with a valid `X-Consistency-Token`, or by a user who wrote within READ_YOUR_WRITES_WINDOW_MS, on a
 *   replica that has replayed that far (the later of the token and the user's last write), waiting REPLICA_WAIT_MS
 *   for one, else on the primary;
 * - any other read on a replica that has every commit older than that window.
 * A write answers with the token of its commit: the primary's log position after it, signed.
 */

/** Where a user's last writes stand in the primary's log: `unknown` without a position (then the primary reads). */
export type LastWrite = Position | 'unknown';

/**
 * Which users wrote within the window, and how far their writes reach in the log (Redis when REDIS_URL is set,
 * else this process's memory: src/recent-writes.ts).
 */
export interface RecentWrites {
  mark(userId: number, position: Position | undefined): Promise<void>;
  /** The user's writes within the window, or undefined when there were none. */
  lastWrite(userId: number): Promise<LastWrite | undefined>;
  close(): Promise<void>;
}

export interface ConsistencySettings {
  /** The server's signing secret; the tokens' key is derived from it. */
  secret: Uint8Array;
  windowMs: number;
  recentWrites: RecentWrites;
}

/** One call as the adapters give it. */
export interface ConsistentCall {
  userId?: number;
  /** The request's `X-Consistency-Token`. */
  token?: string;
  /** `write`: a change; `primary`: a read that must see the newest state; `replica`: any other read. */
  reads: 'write' | 'primary' | 'replica';
}

const VERSION = '1';
const MAC_CHARS = 22;
/** Deliveries and stream events wait at most this long for the replicas in rotation to replay them. */
const SETTLE_MS = 2000;

/** Signs and checks tokens: `1.<position>.<mac>`, the position as db/positions.ts writes it. */
export function consistencyTokens(secret: Uint8Array) {
  const key = createHmac('sha256', secret).update('ccm consistency token').digest();
  const mac = (body: string) => createHmac('sha256', key).update(body).digest('base64url').slice(0, MAC_CHARS);
  return {
    sign(position: Position): string {
      const body = `${VERSION}.${positionText(position)}`;
      return `${body}.${mac(body)}`;
    },
    /** The position of a token this server signed; undefined for anything else (forged, garbled, another key's). */
    verify(token: string | undefined): Position | undefined {
      const cut = token?.lastIndexOf('.') ?? -1;
      if (!token || token.length > 512 || cut < 0) return undefined;
      const body = token.slice(0, cut);
      const given = Buffer.from(token.slice(cut + 1));
      const expected = Buffer.from(mac(body));
      if (!body.startsWith(`${VERSION}.`) || given.length !== expected.length) return undefined;
      if (!timingSafeEqual(given, expected)) return undefined;
      return positionFromText(body.slice(VERSION.length + 1));
    },
  };
}

export function consistencyService(store: Store, settings: ConsistencySettings) {
  const tokens = consistencyTokens(settings.secret);
  const replicas = store.replicas.configured;

  async function routeOf(call: ConsistentCall): Promise<ReadRoute> {
    if (call.reads !== 'replica') return { primary: true };
    // The user's own writes count even with a token: another client of the same user may have written since.
    const mine = call.userId === undefined ? undefined : await settings.recentWrites.lastWrite(call.userId);
    if (mine === 'unknown') return { primary: true };
    const after = later(tokens.verify(call.token), mine);
    return after ? { after } : { since: Date.now() - settings.windowMs };
  }

  /** The primary's position now, as a token (none on SQLite, or without a binary log). */
  const current = async () => {
    if (store.dialect === 'sqlite') return undefined;
    const position = await store.position().catch(() => undefined);
    return position && tokens.sign(position);
  };

  return {
    /**
     * Runs one call with its reads routed. A write answers with its commit's token; a read on the primary, with the
     * primary's position after it (with replicas only: one more query), which is at least as new as what it read.
     */
    async run<T>(call: ConsistentCall, work: () => Promise<T>): Promise<{ value: T; token?: string }> {
      // Without replicas every read is the primary's and there is no token: no routing context per call.
      if (!replicas) return { value: await work() };
      const write = call.reads === 'write';
      const wrote = async (position: Position | undefined) => {
        if (write && call.userId !== undefined) await settings.recentWrites.mark(call.userId, position);
      };
      let outcome: { value: T; committed?: Position };
      try {
        outcome = await store.routed(await routeOf(call), work);
      } catch (err) {
        const committed = committedBefore(err);
        if (committed) await wrote(committed);
        throw err;
      }
      await wrote(outcome.committed);
      if (write) return { value: outcome.value, token: outcome.committed && tokens.sign(outcome.committed) };
      return { value: outcome.value, token: call.reads === 'primary' ? await current() : undefined };
    },

    /**
     * For what tells a client of changes without a request of its own (webhook deliveries, the event stream): the
     * primary's position now, once every replica in rotation has replayed it (waiting at most a short while), so
     * that a client reading the record at once finds it at least as new; and its token, to send back. Nothing to
     * wait for, and no token, without replicas.
     */
    async settled(): Promise<string | undefined> {
      if (!replicas) return undefined;
      const position = await store.position().catch(() => undefined);
      if (!position) return undefined;
      await store.replicas.allReached(position, SETTLE_MS);
      return tokens.sign(position);
    },

    /** The read replicas' states, lags and reads served (/metrics, /api/ready/). */
    replicas: () => store.replicas.status(),

    close: () => settings.recentWrites.close(),
  };
}

export type ConsistencyService = ReturnType<typeof consistencyService>;
