/**
 * How the friendly methods shape answers, against a scripted server: the answers an older or differently
 * configured server may give (cursors only in links, pages only by number, no ETag header).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type CcmClient, createClient } from '../src/index.js';
import { ok, type ScriptedServer, startScriptedServer } from './scripted.js';

let server: ScriptedServer;
let ccm: CcmClient;

beforeAll(async () => {
  server = await startScriptedServer();
  ccm = createClient({ baseUrl: server.url, tokens: { access: 'access', refresh: 'refresh' } });
});
afterAll(async () => {
  await server?.close();
});
afterEach(() => server.reset());

const page = (ids: number[], next: string | null, extra: object = {}) =>
  ok({ count: 5, next, previous: null, results: ids.map((id) => ({ id, version: 1 })), ...extra });

describe('answers of other servers', () => {
  it("a page's cursors come from its fields, else from its links' cursor parameter", async () => {
    server.script(page([1], 'http://h/api/contacts/?cursor=abc%3D&page_size=1'));
    expect((await ccm.contacts.list()).nextCursor).toBe('abc=');
    server.script(page([1], 'http://h/api/contacts/?cursor=abc', { next_cursor: 'field', previous_cursor: null }));
    const both = await ccm.contacts.list();
    expect(both.nextCursor).toBe('field');
    expect(both.previousCursor).toBeNull();
  });

  it('iterate follows page numbers where the server gives no cursors, and stops at the last page', async () => {
    const url = (n: number) => `${server.url}/api/customers/?cursor=&page=${n}`;
    server.script(page([1, 2], url(2)), page([3, 4], url(3)), page([5], null));
    const ids: number[] = [];
    for await (const customer of ccm.customers.iterate({ search: 'x' })) ids.push(customer.id);
    expect(ids).toEqual([1, 2, 3, 4, 5]);
    const asked = server.requests.map((r) => [r.query.get('cursor'), r.query.get('page'), r.query.get('search')]);
    expect(asked).toEqual([
      ['', null, 'x'],
      [null, '2', 'x'],
      [null, '3', 'x'],
    ]);
  });

  it('a record without an ETag header has the etag its version stands for; a bare list, its own length', async () => {
    server.script(ok({ id: 3, version: 4 }));
    expect((await ccm.customers.get({ params: { id: 3 } })).etag).toBe('"4"');
    server.script(ok([{ id: 1 }, { id: 2 }]));
    const list = await ccm.customers.withContacts({ query: { page: 1 } });
    expect([list.length, list.count, list.next, list.previous]).toEqual([2, 2, null, null]);
  });
});
