/**
 * The session's consistency token (docs/api.md, "Consistency tokens"): every write the server answers carries one
 * (`X-Consistency-Token`, the place of its commit in the primary's log); the client sends the newest it has with
 * every call, so that a read is served only by a database that has replayed the client's writes (read replicas).
 */
export class ConsistencyTokens {
  private latest: string | undefined;
  private position: Map<number, bigint> | undefined;

  /** The token to send, if any. */
  current(): string | undefined {
    return this.latest;
  }

  /**
   * Keeps `token` unless the one kept is already at or past it: answers of concurrent calls arrive in any order,
   * and an older token must not replace a newer one.
   */
  keep(token: string | null | undefined): void {
    if (!token) return;
    const position = positionOf(token);
    if (this.latest && this.position && position && reached(this.position, position)) return;
    this.latest = token;
    this.position = position;
  }
}

/**
 * The position a token holds: `1.<domain>-<hex>[_<domain>-<hex>…].<signature>`. Only read to compare two tokens;
 * the server checks the signature.
 */
function positionOf(token: string): Map<number, bigint> | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || parts[0] !== '1') return undefined;
  const position = new Map<number, bigint>();
  for (const part of parts[1]!.split('_')) {
    const m = /^(\d{1,10})-([0-9A-F]{1,20})$/.exec(part);
    if (!m) return undefined;
    position.set(Number(m[1]), BigInt(`0x${m[2]}`));
  }
  return position;
}

/** Whether `have` is at or past `need` in every domain of `need`. */
function reached(have: Map<number, bigint>, need: Map<number, bigint>): boolean {
  for (const [domain, seq] of need) if ((have.get(domain) ?? -1n) < seq) return false;
  return true;
}
