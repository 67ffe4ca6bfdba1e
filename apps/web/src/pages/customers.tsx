import type { Customer } from '@ccm/sdk';
import { Link } from '@tanstack/react-router';
import { useState } from 'react';
import { WriteAccess } from '../access.js';
import { FLAG, type Flag, FlagFilter, SearchField } from '../filters.js';
import { PAGE_SIZE, PagedTable, useCursorPages } from '../paging.js';
import { ccm } from '../session.js';
import { type Column, yesNo } from '../table.js';

const COLUMNS: Column<Customer>[] = [
  ['Code', (c) => c.customer_id],
  [
    'Name',
    (c) => (
      <Link to="/customers/$id" params={{ id: String(c.id) }}>
        {c.full_name}
      </Link>
    ),
  ],
  ['Username', (c) => c.username],
  ['E-mail', (c) => c.email],
  ['Verified', (c) => yesNo(c.is_verified)],
  ['Active', (c) => yesNo(c.is_active)],
];

/** The list route's orderings, as a person names them. */
const ORDERINGS = [
  ['-created_at', 'Newest first'],
  ['created_at', 'Oldest first'],
  ['customer_id', 'Code, ascending'],
  ['-customer_id', 'Code, descending'],
  ['username', 'Username, A to Z'],
  ['-username', 'Username, Z to A'],
  ['id', 'Id, ascending'],
  ['-id', 'Id, descending'],
] as const;
type Ordering = (typeof ORDERINGS)[number][0];

/** The customers, searched as typed, filtered and ordered, a page at a time by keyset cursor. */
export function CustomersPage() {
  const [search, setSearch] = useState('');
  const [active, setActive] = useState<Flag>('any');
  const [verified, setVerified] = useState<Flag>('any');
  const [ordering, setOrdering] = useState<Ordering>('-created_at');
  const query = { search: search || undefined, is_active: FLAG[active], is_verified: FLAG[verified], ordering };
  const pages = useCursorPages('customers', query, (cursor) =>
    ccm.customers.list({ query: { page_size: PAGE_SIZE, cursor, ...query } }),
  );
  return (
    <section aria-labelledby="customers-heading">
      <h1 id="customers-heading">Customers</h1>
      <WriteAccess>
        <Link to="/customers/new">New customer</Link>
      </WriteAccess>
      <div className="filters">
        <SearchField value={search} onChange={setSearch} />
        <FlagFilter label="Active" value={active} onChange={setActive} />
        <FlagFilter label="Verified" value={verified} onChange={setVerified} />
        <label>
          Order
          <select value={ordering} onChange={(e) => setOrdering(e.target.value as Ordering)}>
            {ORDERINGS.map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </label>
      </div>
      <PagedTable label="Customers table" noun="customers" columns={COLUMNS} pages={pages} />
    </section>
  );
}
