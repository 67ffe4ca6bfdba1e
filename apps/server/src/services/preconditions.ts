import { AppError, validationError } from './errors.js';

// Conditional requests (RFC 9110 §13) on versioned records: the ETag is the version in double quotes.

/** A record's strong ETag. */
export const etagOf = (version: number) => `"${version}"`;

const ENTITY_TAG = /^(W\/)?"([\x21\x23-\x7e]*)"$/;

/** The entity tags of an If-Match or If-None-Match header (`*` as itself); undefined when it is not well formed. */
function entityTags(header: string): { weak: boolean; tag: string }[] | '*' | undefined {
  if (header.trim() === '*') return '*';
  const tags = header.split(',').map((part) => ENTITY_TAG.exec(part.trim()));
  if (tags.some((t) => t === null)) return undefined;
  return tags.map((t) => ({ weak: Boolean(t![1]), tag: t![2]! }));
}

/**
 * Refuses a write whose If-Match does not name the record's current version (412, with the current ETag): called
 * under the record's row lock (or SQLite's write lock), so no write can come between the comparison and the change.
 * Strong comparison: a weak tag never matches.
 */
export function checkIfMatch(header: string | undefined, version: number): void {
  if (header === undefined) return;
  const tags = entityTags(header);
  if (tags === undefined) {
    throw validationError(
      { 'If-Match': ['Expected "*" or ETags in double quotes, as the ETag header gives them: "7".'] },
      'Malformed If-Match header.',
    );
  }
  if (tags === '*' || tags.some((t) => !t.weak && t.tag === String(version))) return;
  const current = etagOf(version);
  throw new AppError(
    'precondition_failed',
    `The record has changed: its current ETag is ${current}.`,
    undefined,
    undefined,
    {
      currentEtag: current,
    },
  );
}

/** Whether an If-None-Match header names this version (weak comparison, as a GET's cache check takes it). */
export function noneMatchHits(header: string | undefined, version: number): boolean {
  if (header === undefined) return false;
  const tags = entityTags(header);
  return tags === '*' || tags?.some((t) => t.tag === String(version)) === true;
}
