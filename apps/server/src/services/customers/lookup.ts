import { type CustomerLookup, customerReferenceOf } from '@ccm/contract';
import type { CustomerDeps } from './rules.js';

type Found = { id: number; customerId: string | null; username: string; isActive: boolean };

/**
 * The customers that references name (an import's `customer` column: id, code or username, as the contract's
 * customerReferenceOf reads them), one statement for them all; each reference answered, in order, found or null.
 */
export async function lookup({ store }: CustomerDeps, references: string[]): Promise<CustomerLookup> {
  const named = references.map((reference) => ({ reference, ref: customerReferenceOf(reference) }));
  const refs = { ids: [] as number[], codes: [] as string[], usernames: [] as string[] };
  for (const { ref } of named) {
    if ('id' in ref) refs.ids.push(ref.id);
    else if ('code' in ref) refs.codes.push(ref.code);
    else refs.usernames.push(ref.username);
  }
  const found = await store.customers.byReferences({
    ids: [...new Set(refs.ids)],
    codes: [...new Set(refs.codes)],
    usernames: [...new Set(refs.usernames)],
  });
  const byKey = new Map<string, Found>();
  for (const c of found) {
    byKey.set(`id:${c.id}`, c);
    if (c.customerId) byKey.set(`code:${c.customerId}`, c);
    byKey.set(`username:${c.username}`, c);
  }
  const keyOf = (ref: (typeof named)[number]['ref']) =>
    'id' in ref ? `id:${ref.id}` : 'code' in ref ? `code:${ref.code}` : `username:${ref.username}`;
  return {
    customers: named.map(({ reference, ref }) => {
      const c = byKey.get(keyOf(ref));
      const customer = c && { id: c.id, customer_id: c.customerId ?? '', username: c.username, is_active: c.isActive };
      return { reference, customer: customer ?? null };
    }),
  };
}
