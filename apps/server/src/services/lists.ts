import { toE164 } from './phone.js';

/** The terms a list's `search` looks for: the text as typed, and a whole phone number also as stored (E.164). */
export function searchTerms(search: string | undefined, region: string): string[] {
  if (!search) return [];
  // Without a digit of any script there is no number: libphonenumber would say so only after building an error.
  const asPhone = /\p{Nd}/u.test(search) ? toE164(search, region) : undefined;
  return asPhone && asPhone !== search ? [search, asPhone] : [search];
}

/** An `ordering` parameter (`email`, `-created_at`) as the column and its direction. */
export function parseOrdering<T extends string>(ordering: T | `-${T}`): { by: T; desc: boolean } {
  const desc = ordering.startsWith('-');
  return { by: (desc ? ordering.slice(1) : ordering) as T, desc };
}
