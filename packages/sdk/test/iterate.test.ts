/**
 * Against the real server: `iterate` walks every record of a list once, by keyset cursor, while others are
 * added; pages expose their cursors; the header-paged list exposes its total and links.
 */
import { describe, expect, it } from 'vitest';
import { type Contact, createClient } from '../src/index.js';
import { contactBody, customerBody, recordingFetch, sleep, useSignedInServer } from './support.js';

const real = useSignedInServer();

/** Makes `n` contacts of one customer (bulk, at most 1,000 a request); resolves with their ids. */
async function makeContacts(customer: number, n: number): Promise<number[]> {
  const ids: number[] = [];
  for (let left = n; left > 0; left -= 1000) {
    const contacts = Array.from({ length: Math.min(left, 1000) }, () => contactBody(customer));
    const { created_contacts, errors } = await real.ccm.contacts.bulkCreate({ body: { contacts } });
    expect(errors).toEqual([]);
    ids.push(...created_contacts.map((c) => c.id));
  }
  return ids;
}

describe('iterate', () => {
  it('walks 1,050 contacts exactly once each while others are added', async () => {
    const customer = await real.ccm.customers.create({ body: customerBody() });
    const existing = await makeContacts(customer.id, 1050);
    const added: number[] = [];
    const seen: number[] = [];
    let walking = true;

    const adding = (async () => {
      while (walking) {
        added.push((await real.ccm.contacts.create({ body: contactBody(customer.id) })).id);
        await sleep(2);
      }
    })();
    // Newest first: what is added meanwhile lands before the cursor, where offset paging would shift every page.
    const query = { customer_id: customer.id, ordering: '-created_at', page_size: 50 } as const;
    for await (const contact of real.ccm.contacts.iterate(query)) {
      seen.push(contact.id);
      // Give the writer room between pages.
      if (seen.length % 50 === 0) await sleep(5);
    }
    walking = false;
    await adding;

    expect(added.length).toBeGreaterThan(5);
    expect(new Set(seen).size).toBe(seen.length);
    const seenSet = new Set(seen);
    expect(existing.filter((id) => !seenSet.has(id))).toEqual([]);
    expect(seen.filter((id) => !existing.includes(id) && !added.includes(id))).toEqual([]);
  });

  it('in id order, the contacts added meanwhile come at the end, and each record still comes once', async () => {
    const customer = await real.ccm.customers.create({ body: customerBody() });
    const existing = await makeContacts(customer.id, 120);
    const seen: Contact[] = [];
    for await (const contact of real.ccm.contacts.iterate({
      customer_id: customer.id,
      ordering: 'id',
      page_size: 25,
    })) {
      seen.push(contact);
      if (seen.length === 30) await real.ccm.contacts.create({ body: contactBody(customer.id) });
    }
    expect(seen.slice(0, 120).map((c) => c.id)).toEqual(existing);
    expect(seen).toHaveLength(121);
    expect(seen.map((c) => c.id)).toEqual([...seen.map((c) => c.id)].sort((a, b) => a - b));
  });

  it('stops early on break, and customers.iterate walks the customers of a search', async () => {
    let n = 0;
    for await (const _ of real.ccm.contacts.iterate({ page_size: 10 })) if (++n === 3) break;
    expect(n).toBe(3);

    const tag = `iterate${Date.now().toString(36)}`;
    const made = [];
    for (let i = 0; i < 23; i += 1)
      made.push(await real.ccm.customers.create({ body: customerBody({ last_name: tag }) }));
    const found = [];
    for await (const customer of real.ccm.customers.iterate({ search: tag, page_size: 5, ordering: 'id' })) {
      found.push(customer.id);
    }
    expect(found).toEqual(made.map((c) => c.id));
  });

  it('customers.iterate pages by cursor, while customers are added', async () => {
    const recorder = recordingFetch();
    const urls: string[] = [];
    const client = createClient({
      baseUrl: real.server.url,
      tokens: (await real.ccm.getTokens()) ?? undefined,
      fetch: (input, init) => {
        urls.push(input);
        return recorder.fetch(input, init);
      },
    });
    const tag = `cursor${Date.now().toString(36)}`;
    const made: number[] = [];
    for (let i = 0; i < 12; i += 1)
      made.push((await real.ccm.customers.create({ body: customerBody({ last_name: tag }) })).id);
    const found: number[] = [];
    for await (const customer of client.customers.iterate({ search: tag, page_size: 5, ordering: '-created_at' })) {
      found.push(customer.id);
      if (found.length === 3) await real.ccm.customers.create({ body: customerBody({ last_name: tag }) });
    }
    expect([...found].sort((a, b) => a - b)).toEqual(made);
    const cursors = urls.map((url) => new URL(url).searchParams.get('cursor'));
    expect(cursors[0]).toBe('');
    expect(cursors.slice(1).every((c) => typeof c === 'string' && c.length > 0)).toBe(true);
    expect(urls.some((url) => new URL(url).searchParams.has('page'))).toBe(false);
  });
});

describe('pages', () => {
  it('a page asked for by cursor exposes nextCursor and previousCursor', async () => {
    const customer = await real.ccm.customers.create({ body: customerBody() });
    await makeContacts(customer.id, 5);
    const first = await real.ccm.contacts.list({ query: { customer_id: customer.id, cursor: '', page_size: 2 } });
    expect(first.nextCursor).toEqual(expect.any(String));
    expect(first.previousCursor).toBeNull();
    const second = await real.ccm.contacts.list({
      query: { customer_id: customer.id, cursor: first.nextCursor!, page_size: 2 },
    });
    expect(second.previousCursor).toEqual(expect.any(String));
    expect(second.results.map((c) => c.id)).not.toContain(first.results[0]?.id);
    // A page by number has none.
    const numbered = await real.ccm.contacts.list({ query: { customer_id: customer.id, page_size: 2 } });
    expect(numbered.next).toMatch(/page=2/);
    expect(numbered.nextCursor).toBeNull();
  });

  it('customers.withContacts gives its total and its links along with the array', async () => {
    for (let i = 0; i < 3; i += 1) await real.ccm.customers.create({ body: customerBody() });
    const total = (await real.ccm.customers.list()).count;
    const first = await real.ccm.customers.withContacts({ query: { page_size: 2 } });
    expect(Array.isArray(first)).toBe(true);
    expect(first).toHaveLength(2);
    expect(first.count).toBe(total);
    expect(first.next).toMatch(/page=2/);
    expect(first.previous).toBeNull();
    const second = await real.ccm.customers.withContacts({ query: { page: 2, page_size: 2 } });
    expect(second.previous).toEqual(expect.any(String));
    expect(second.map((c) => c.id)).not.toContain(first[0]?.id);
  });
});

describe('events.iterate', () => {
  it('walks the feed once, in order, from a kept cursor; follow waits for the next event', async () => {
    const customer = await real.ccm.customers.create({ body: customerBody() });
    let cursor = '';
    for (;;) {
      const page = await real.ccm.events.list({ query: { after: cursor, page_size: 1000 } });
      if (page.results.length === 0) break;
      cursor = page.next_cursor;
    }
    const made = await makeContacts(customer.id, 30);
    const events = [];
    for await (const event of real.ccm.events.iterate({ after: cursor, types: 'contact.created', page_size: 7 })) {
      events.push(event);
    }
    expect(events.map((e) => e.subject.id)).toEqual(made);
    // The union narrows by type: a contact event's object is a Contact.
    for (const e of events) if (e.type === 'contact.created') expect(e.data.object.customer).toBe(customer.id);
    const sequences = events.map((e) => e.sequence);
    expect(sequences).toEqual([...sequences].sort((a, b) => a - b));

    const last = String(sequences.at(-1));
    const following = real.ccm.events.iterate({ after: last, follow: true, wait: 5 });
    const next = following.next();
    await sleep(200);
    const contact = await real.ccm.contacts.create({ body: contactBody(customer.id) });
    const { value } = await next;
    expect(value).toMatchObject({ type: 'contact.created', subject: { type: 'contact', id: contact.id } });
    await following.return(undefined);
  });
});
