/**
 * The header of the consistency tokens, both ways and for both adapters: a write answers with its token, a read
 * sends the latest one back (services/consistency.ts, docs/api.md).
 */
export const CONSISTENCY_TOKEN = 'X-Consistency-Token';
