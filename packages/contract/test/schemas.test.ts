import { describe, expect, it } from 'vitest';
import {
  BooleanQuerySchema,
  ContactCreateSchema,
  ContactListQuerySchema,
  ContactPatchSchema,
  ContactUpdateSchema,
  CustomerCreateSchema,
  CustomerListQuerySchema,
  CustomerPatchSchema,
  EmailSchema,
  IdParamsSchema,
  PageQuerySchema,
  PhoneInputSchema,
} from '../src/index.js';

const contact = { customer: 1, email: 'a@example.com', wa_number: '0771234567', tp_number: '0112345678' };
const customer = {
  username: 'johndoe',
  email: 'john@example.com',
  first_name: 'John',
  last_name: 'Doe',
  nic: '123456789V',
};

/** The messages of a failed parse, by dotted path. */
function issues(result: { success: boolean; error?: { issues: { path: (string | number)[]; message: string }[] } }) {
  expect(result.success).toBe(false);
  const out: Record<string, string[]> = {};
  for (const i of result.error?.issues ?? []) {
    const key = i.path.join('.');
    out[key] = [...(out[key] ?? []), i.message];
  }
  return out;
}

describe('ContactCreateSchema', () => {
  it('defaults is_primary to false and is_active to true', () => {
    const parsed = ContactCreateSchema.parse(contact);
    expect(parsed.is_primary).toBe(false);
    expect(parsed.is_active).toBe(true);
  });

  it('keeps explicit booleans', () => {
    const parsed = ContactCreateSchema.parse({ ...contact, is_primary: true, is_active: false });
    expect(parsed.is_primary).toBe(true);
    expect(parsed.is_active).toBe(false);
  });

  it('trims and lower-cases the e-mail', () => {
    expect(ContactCreateSchema.parse({ ...contact, email: '  John.Doe@Example.COM ' }).email).toBe(
      'john.doe@example.com',
    );
  });

  it('requires customer, email, wa_number and tp_number', () => {
    const errors = issues(ContactCreateSchema.safeParse({}));
    expect(Object.keys(errors).sort()).toEqual(['customer', 'email', 'tp_number', 'wa_number']);
    expect(errors.customer).toEqual(['This field is required.']);
  });

  it('rejects a customer that is not a positive integer', () => {
    for (const bad of [0, -1, 1.5, '1', null]) {
      expect(ContactCreateSchema.safeParse({ ...contact, customer: bad }).success, String(bad)).toBe(false);
    }
  });

  it('rejects non-boolean flags (no string coercion)', () => {
    expect(ContactCreateSchema.safeParse({ ...contact, is_primary: 'true' }).success).toBe(false);
    expect(ContactCreateSchema.safeParse({ ...contact, is_active: 1 }).success).toBe(false);
  });

  it('rejects an invalid or blank e-mail', () => {
    expect(issues(ContactCreateSchema.safeParse({ ...contact, email: 'not-an-email' })).email).toEqual([
      'Enter a valid email address.',
    ]);
    expect(ContactCreateSchema.safeParse({ ...contact, email: '   ' }).success).toBe(false);
  });
});

describe('ContactUpdateSchema and ContactPatchSchema', () => {
  it('PUT needs email, wa_number and tp_number but not the booleans or customer', () => {
    const { customer: _c, ...rest } = contact;
    const parsed = ContactUpdateSchema.parse(rest);
    expect(parsed.is_primary).toBeUndefined();
    expect(parsed.is_active).toBeUndefined();
    expect(Object.keys(issues(ContactUpdateSchema.safeParse({ email: 'a@example.com' }))).sort()).toEqual([
      'tp_number',
      'wa_number',
    ]);
  });

  it('PATCH accepts an empty body and any subset', () => {
    expect(ContactPatchSchema.parse({})).toEqual({});
    expect(ContactPatchSchema.parse({ email: ' X@Y.com ' })).toEqual({ email: 'x@y.com' });
  });
});

describe('EmailSchema', () => {
  it('trims and lower-cases', () => {
    expect(EmailSchema.parse('  MiXeD@Example.Org  ')).toBe('mixed@example.org');
  });

  it('rejects what is not an address', () => {
    for (const bad of ['', 'plain', 'a@', '@b.com', 'a b@c.com']) {
      expect(EmailSchema.safeParse(bad).success, bad).toBe(false);
    }
  });
});

describe('PhoneInputSchema', () => {
  it('accepts numbers as people type them and trims them', () => {
    for (const ok of ['+94771234567', '0771234567', '077 123 4567', '(011) 234-5678', '+1.202.555.0143']) {
      expect(PhoneInputSchema.safeParse(ok).success, ok).toBe(true);
    }
    expect(PhoneInputSchema.parse('  0771234567 ')).toBe('0771234567');
  });

  it('rejects letters', () => {
    for (const bad of ['abc', '077123456a', '+94 77 CALL ME', '0771234567x']) {
      const errors = issues(PhoneInputSchema.safeParse(bad));
      expect(errors[''], bad).toEqual(['Enter a valid phone number, such as +94771234567 or 0771234567.']);
    }
  });

  it('rejects blank, too long and non-string input', () => {
    expect(issues(PhoneInputSchema.safeParse('   '))['']).toContain('This field may not be blank.');
    expect(PhoneInputSchema.safeParse('1'.repeat(33)).success).toBe(false);
    expect(PhoneInputSchema.safeParse(771234567).success).toBe(false);
    expect(PhoneInputSchema.safeParse('++94771234567').success).toBe(false);
  });
});

describe('IdParamsSchema', () => {
  it('accepts positive integers and turns them into numbers', () => {
    expect(IdParamsSchema.parse({ id: '1' })).toEqual({ id: 1 });
    expect(IdParamsSchema.parse({ id: '42' })).toEqual({ id: 42 });
  });

  it.each(['0', '-1', 'abc', '1.5', '', ' 1', '1e3', '0x10', '+1', '99999999999999999999'])('rejects %j', (id) => {
    expect(IdParamsSchema.safeParse({ id }).success).toBe(false);
  });
});

describe('BooleanQuerySchema', () => {
  it('reads exactly "true" and "false"', () => {
    expect(BooleanQuerySchema.parse('true')).toBe(true);
    expect(BooleanQuerySchema.parse('false')).toBe(false);
  });

  it.each(['maybe', 'TRUE', '1', '0', 'yes', ''])('rejects %j', (v) => {
    expect(issues(BooleanQuerySchema.safeParse(v))['']).toEqual(['Must be "true" or "false".']);
  });
});

describe('PageQuerySchema', () => {
  it('defaults to page 1 of 20', () => {
    expect(PageQuerySchema.parse({})).toEqual({ page: 1, page_size: 20 });
  });

  it('coerces query strings', () => {
    expect(PageQuerySchema.parse({ page: '3', page_size: '100' })).toEqual({ page: 3, page_size: 100 });
  });

  it('rejects pages that are not positive integers', () => {
    for (const page of ['0', '-1', '1.5', 'abc']) {
      expect(PageQuerySchema.safeParse({ page }).success, page).toBe(false);
    }
  });
});

describe('ContactListQuerySchema', () => {
  it('has the documented defaults', () => {
    expect(ContactListQuerySchema.parse({})).toEqual({ page: 1, page_size: 20, ordering: '-created_at' });
  });

  it('parses every filter', () => {
    expect(
      ContactListQuerySchema.parse({
        customer_id: '7',
        is_active: 'true',
        is_primary: 'false',
        search: '  foo ',
        page: '2',
        page_size: '5',
        ordering: 'email',
      }),
    ).toEqual({
      customer_id: 7,
      is_active: true,
      is_primary: false,
      search: 'foo',
      page: 2,
      page_size: 5,
      ordering: 'email',
    });
  });

  it('rejects is_active=maybe and is_primary=yes', () => {
    expect(issues(ContactListQuerySchema.safeParse({ is_active: 'maybe' })).is_active).toEqual([
      'Must be "true" or "false".',
    ]);
    expect(issues(ContactListQuerySchema.safeParse({ is_primary: 'yes' })).is_primary).toBeDefined();
  });

  it('rejects page_size 0 and 101 and accepts 1 and 100', () => {
    expect(issues(ContactListQuerySchema.safeParse({ page_size: '0' })).page_size).toEqual([
      'Must be between 1 and 100.',
    ]);
    expect(issues(ContactListQuerySchema.safeParse({ page_size: '101' })).page_size).toEqual([
      'Must be between 1 and 100.',
    ]);
    expect(ContactListQuerySchema.parse({ page_size: '1' }).page_size).toBe(1);
    expect(ContactListQuerySchema.parse({ page_size: '100' }).page_size).toBe(100);
  });

  it('accepts each documented ordering and rejects any other', () => {
    for (const ordering of ['created_at', '-created_at', 'email', '-email', 'id', '-id']) {
      expect(ContactListQuerySchema.parse({ ordering }).ordering).toBe(ordering);
    }
    for (const ordering of ['name', '--id', 'id,email', 'EMAIL', '+id', 'customer']) {
      expect(issues(ContactListQuerySchema.safeParse({ ordering })).ordering, ordering).toBeDefined();
    }
  });

  it('rejects a customer_id that is not a positive integer', () => {
    for (const customer_id of ['0', '-1', 'abc', '1.5']) {
      expect(issues(ContactListQuerySchema.safeParse({ customer_id })).customer_id, customer_id).toBeDefined();
    }
  });

  it('rejects a search over 200 characters', () => {
    expect(ContactListQuerySchema.safeParse({ search: 'x'.repeat(200) }).success).toBe(true);
    expect(issues(ContactListQuerySchema.safeParse({ search: 'x'.repeat(201) })).search).toEqual([
      'At most 200 characters.',
    ]);
  });
});

describe('CustomerListQuerySchema', () => {
  it('filters on is_active and is_verified, true/false only', () => {
    expect(CustomerListQuerySchema.parse({ is_active: 'false', is_verified: 'true' })).toMatchObject({
      is_active: false,
      is_verified: true,
    });
    expect(CustomerListQuerySchema.safeParse({ is_verified: 'maybe' }).success).toBe(false);
  });
});

describe('CustomerCreateSchema', () => {
  it('accepts 9 digits + V/X and stores the letter upper-case', () => {
    expect(CustomerCreateSchema.parse({ ...customer, nic: '123456789V' }).nic).toBe('123456789V');
    expect(CustomerCreateSchema.parse({ ...customer, nic: '123456789v' }).nic).toBe('123456789V');
    expect(CustomerCreateSchema.parse({ ...customer, nic: '123456789x' }).nic).toBe('123456789X');
    expect(CustomerCreateSchema.parse({ ...customer, nic: ' 987654321X ' }).nic).toBe('987654321X');
  });

  it('accepts 12 digits', () => {
    expect(CustomerCreateSchema.parse({ ...customer, nic: '199012345678' }).nic).toBe('199012345678');
  });

  it.each([
    '12345678V', // 8 digits
    '1234567890V', // 10 digits + letter
    '123456789', // 9 digits, no letter
    '123456789A', // wrong letter
    'V123456789',
    '12345678901', // 11 digits
    '1234567890123', // 13 digits
    '12345678901V',
    '123 456 789V',
    '',
  ])('rejects the NIC %j', (nic) => {
    expect(issues(CustomerCreateSchema.safeParse({ ...customer, nic })).nic).toEqual([
      'Enter a valid NIC: 9 digits followed by V or X, or 12 digits.',
    ]);
  });

  it('requires username, email, first_name, last_name and nic; the rest is optional', () => {
    const errors = issues(CustomerCreateSchema.safeParse({}));
    expect(Object.keys(errors).sort()).toEqual(['email', 'first_name', 'last_name', 'nic', 'username']);
    for (const messages of Object.values(errors)) expect(messages).toEqual(['This field is required.']);
    const parsed = CustomerCreateSchema.parse(customer);
    expect(parsed.phone_number).toBeUndefined();
    expect(parsed.is_verified).toBeUndefined();
  });

  it('trims and lower-cases the e-mail and trims names', () => {
    const parsed = CustomerCreateSchema.parse({ ...customer, email: ' John@Example.COM', first_name: '  John ' });
    expect(parsed.email).toBe('john@example.com');
    expect(parsed.first_name).toBe('John');
  });

  it('rejects usernames with spaces or that are too short', () => {
    expect(CustomerCreateSchema.safeParse({ ...customer, username: 'john doe' }).success).toBe(false);
    expect(CustomerCreateSchema.safeParse({ ...customer, username: 'jd' }).success).toBe(false);
    expect(CustomerCreateSchema.safeParse({ ...customer, username: 'john_doe.1+x@y-z' }).success).toBe(true);
  });

  it('rejects a phone number with letters and accepts null', () => {
    expect(CustomerCreateSchema.safeParse({ ...customer, phone_number: 'call me' }).success).toBe(false);
    expect(CustomerCreateSchema.parse({ ...customer, phone_number: null }).phone_number).toBeNull();
  });

  it('PATCH makes every field optional but keeps the NIC rules', () => {
    expect(CustomerPatchSchema.parse({})).toEqual({});
    expect(CustomerPatchSchema.parse({ nic: '123456789x' })).toEqual({ nic: '123456789X' });
    expect(CustomerPatchSchema.safeParse({ nic: '12345' }).success).toBe(false);
  });
});
