/** Methods that change something: each call of one gets an `Idempotency-Key` unless the caller says otherwise. */
const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Operations the server runs without looking at a key (their answers hold tokens, which it never stores): a key
 * would not make repeating them safe, so they get none and are retried only where the server surely did nothing.
 * REST operation names and tRPC procedure paths alike.
 */
export const UNKEYED_OPERATIONS: ReadonlySet<string> = new Set([
  'auth.login',
  'auth.refresh',
  'auth.logout',
  'auth.changePassword',
]);

/**
 * The key a call carries: the caller's `Idempotency-Key` header, else its `idempotencyKey` option, else a new
 * one for a write; undefined for a read, or when the option is `false` (then the call counts as unkeyed even if
 * a header was given).
 */
export function idempotencyKeyOf(method: string, header: string | undefined, option: string | false | undefined) {
  if (option === false) return undefined;
  return header || option || (WRITE_METHODS.has(method) ? randomId() : undefined);
}

/** A random UUID (`crypto.randomUUID`), or a random enough stand-in where the runtime has none. */
export function randomId(): string {
  const cryptoApi = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto;
  if (cryptoApi?.randomUUID) return cryptoApi.randomUUID();
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 12)}-${Math.random().toString(36).slice(2, 12)}`;
}

/** An `If-Match` value: an ETag as given (`"7"`), or a record's version (7 or "7") as its ETag. */
export function ifMatchHeader(value: string | number): string {
  return typeof value === 'number' || /^\d+$/.test(value) ? `"${value}"` : value;
}
