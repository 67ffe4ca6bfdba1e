import { later, type Position, positionFromText, reached } from '../../src/db/positions.js';
import { consistencyTokens } from '../../src/services/consistency.js';
import { JWT_SECRET } from './secret.js';

/*
 * The tests' clients of one server share its newest consistency token, as one SDK session does (X-Consistency-Token,
 * docs/api.md): a test is one actor, who reads with another user what it wrote with one. Writes a test makes in SQL,
 * around the API, count too (support/database.ts#rawConnection notes their positions, with a replica only). Without
 * replicas no token is answered and nothing is sent. What makes the suite pass against a lagging replica
 * (docs/testing.md).
 */

const newest = new Map<string, Position>();
const originOf = (url: string) => new URL(url).origin;
let rawWrites: Position | undefined;
const tokens = consistencyTokens(new TextEncoder().encode(JWT_SECRET));

/** The header to send to the server at `baseUrl`: its newest token (with the test's own SQL writes), if any. */
export function consistencyHeader(baseUrl: string): Record<string, string> {
  const position = later(newest.get(originOf(baseUrl)), rawWrites);
  return position ? { 'x-consistency-token': tokens.sign(position) } : {};
}

/** Keeps the answer's token unless the one kept is already at or past it. */
export function keepConsistencyToken(baseUrl: string, headers: Headers): void {
  const position = positionFromText(headers.get('x-consistency-token')?.split('.')[1] ?? '');
  const kept = newest.get(originOf(baseUrl));
  if (position && !(kept && reached(kept, position))) newest.set(originOf(baseUrl), later(kept, position)!);
}

/** A write the test made in SQL, at this position of the primary's log. */
export function noteSqlWrite(position: Position | undefined): void {
  rawWrites = later(rawWrites, position);
}

/**
 * With TEST_READ_REPLICA_URL, every `fetch` of the tests (the tRPC clients', the raw requests') sends and keeps the
 * newest token of the server it calls, unless the request names one itself.
 */
function fetchWithTokens(): void {
  const plain = globalThis.fetch;
  globalThis.fetch = async (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (!/^https?:\/\/127\.0\.0\.1:/.test(url)) return plain(input, init);
    const headers = new Headers(init?.headers);
    for (const [name, value] of Object.entries(consistencyHeader(url)))
      if (!headers.has(name)) headers.set(name, value);
    const res = await plain(input, { ...init, headers });
    keepConsistencyToken(url, res.headers);
    return res;
  };
}
if (process.env.TEST_READ_REPLICA_URL) fetchWithTokens();
