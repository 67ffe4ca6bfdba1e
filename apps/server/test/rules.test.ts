import { contract, IdValueSchema, queryOf, rpcOf } from '@ccm/contract';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { authorize } from '../src/services/access.js';
import { AppError } from '../src/services/errors.js';
import { parseOrdering, searchTerms } from '../src/services/lists.js';
import { decodeCursor, encodeCursor, offsetOf, paged } from '../src/services/pagination.js';
import { toE164 } from '../src/services/phone.js';

// The pure rules, in process: no server, no database.

describe('phone numbers', () => {
  it.each([
    ['0771234567', '+94771234567'],
    ['077 123 4567', '+94771234567'],
    ['(077) 123-4567', '+94771234567'],
    ['+94 11 234 5678', '+94112345678'],
    ['+14155552671', '+14155552671'],
  ])('%s in LK is %s', (typed, e164) => expect(toE164(typed, 'LK')).toBe(e164));

  it.each(['0771234', '123', '+94 77 123', '0000000000'])('%s is not a number', (typed) => {
    expect(toE164(typed, 'LK')).toBeUndefined();
  });
});

describe('lists', () => {
  it('read an ordering as its column and direction', () => {
    expect(parseOrdering('-created_at')).toEqual({ by: 'created_at', desc: true });
    expect(parseOrdering('email')).toEqual({ by: 'email', desc: false });
  });

  it('search a whole phone number as typed and as stored', () => {
    expect(searchTerms('0771234567', 'LK')).toEqual(['0771234567', '+94771234567']);
    expect(searchTerms('perera', 'LK')).toEqual(['perera']);
    expect(searchTerms('+94771234567', 'LK')).toEqual(['+94771234567']);
    expect(searchTerms(undefined, 'LK')).toEqual([]);
  });

  it('refuse a page beyond any result, and a page past the end', () => {
    expect(offsetOf({ page: 3, page_size: 20 })).toBe(40);
    expect(() => offsetOf({ page: 2 ** 53, page_size: 100 })).toThrow(AppError);
    expect(() => paged({ page: 2, page_size: 10 }, 10, [])).toThrow('Invalid page.');
    expect(paged({ page: 1, page_size: 10 }, 0, [])).toMatchObject({ count: 0, results: [] });
  });
});

describe('cursors', () => {
  it('round-trip, and belong to their ordering', () => {
    const position = { ordering: '-id', value: 42, id: 42, backward: true };
    const cursor = encodeCursor(position);
    expect(decodeCursor(cursor, '-id')).toEqual(position);
    expect(decodeCursor(cursor, 'email')).toBeUndefined();
  });

  it.each([
    '',
    'not base64 json',
    Buffer.from('[1,2]').toString('base64url'),
    Buffer.from('["-id",1,0,0]').toString('base64url'),
  ])('refuse a forged one: %j', (cursor) => expect(decodeCursor(cursor, '-id')).toBeUndefined());
});

describe('access', () => {
  const as = (role: 'admin' | 'staff' | 'viewer') => ({ userId: 1, username: 'u', role, sessionVersion: 0 });
  const code = (f: () => void) => {
    try {
      f();
      return 'allowed';
    } catch (err) {
      return (err as AppError).code;
    }
  };

  it('follows the contract: public, read, write, admin', () => {
    expect(code(() => authorize(undefined, 'public'))).toBe('allowed');
    expect(code(() => authorize(undefined, 'read'))).toBe('unauthenticated');
    expect(code(() => authorize(as('viewer'), 'read'))).toBe('allowed');
    expect(code(() => authorize(as('viewer'), 'write'))).toBe('forbidden');
    expect(code(() => authorize(as('staff'), 'write'))).toBe('allowed');
    expect(code(() => authorize(as('staff'), 'admin'))).toBe('forbidden');
    expect(code(() => authorize(as('admin'), 'admin'))).toBe('allowed');
  });
});

describe('inputs', () => {
  it('an id value is a positive integer, nothing else', () => {
    for (const bad of [true, '1', [1], 1.5, 0, -1, 2 ** 53, null])
      expect(IdValueSchema.safeParse(bad).success).toBe(false);
    expect(IdValueSchema.parse(7)).toBe(7);
  });

  it('a query reads text into the typed fields; the typed input refuses text', () => {
    const input = z.object({ n: z.number().int().optional(), b: z.boolean().optional(), s: z.string().optional() });
    const query = queryOf(input);
    expect(query.parse({ n: '3', b: 'false', s: 'x' })).toEqual({ n: 3, b: false, s: 'x' });
    expect(query.safeParse({ n: '0x3' }).success).toBe(false);
    expect(input.safeParse({ n: '3' }).success).toBe(false);
  });

  it("a route's RPC input is its path id, typed query and body together; its output the envelope's data", () => {
    const update = rpcOf(contract.contacts.update);
    expect(update.kind).toBe('mutation');
    expect(update.input?.safeParse({ id: 1, email: 'a@b.co', wa_number: '1', tp_number: '2' }).success).toBe(true);
    expect(update.input?.safeParse({ id: '1', email: 'a@b.co', wa_number: '1', tp_number: '2' }).success).toBe(false);
    const list = rpcOf(contract.contacts.list);
    expect(list).toMatchObject({ kind: 'query', paging: 'cursor' });
    expect(list.input?.parse(undefined)).toMatchObject({ page: 1, page_size: 20, ordering: '-created_at' });
    expect(rpcOf(contract.contacts.delete)).toMatchObject({ output: undefined, status: 204 });
    expect(rpcOf(contract.auth.logout).output).toBeUndefined();
  });
});
