import type { Customer } from '@ccm/sdk';
import { Link } from '@tanstack/react-router';
import { useState } from 'react';
import { WriteAccess } from '../access.js';
import { PAGE_SIZE, Pager, useCursorPages } from '../paging.js';
import { ccm } from '../session.js';
import { type Column, RecordTable, yesNo } from '../table.js';

const COLUMNS: Column<Customer>[] = [
  ['Code', (c) => c.customer_id],
  ['Name', (c) => c.full_name],
  ['Username', (c) => c.username],
  ['E-mail', (c) => c.email],
  ['Active', (c) => yesNo(c.is_active)],
];

/** The customers, newest first, searched as typed, a page at a time by keyset cursor. */
export function CustomersPage() {
  const [search, setSearch] = useState('');
  const { page, previous, next } = useCursorPages('customers', { search }, (cursor) =>
    ccm.customers.list({ query: { page_size: PAGE_SIZE, cursor, ...(search ? { search } : {}) } }),
  );
  return (
    <section aria-labelledby="customers-heading">
      <h1 id="customers-heading">Customers</h1>
      <WriteAccess>
        <Link to="/customers/new">New customer</Link>
      </WriteAccess>
      <label>
        Search
        <input type="search" value={search} onChange={(e) => setSearch(e.target.value)} />
      </label>
      {page.error && <p role="alert">{(page.error as Error).message}</p>}
      <RecordTable
        label="Customers table"
        caption={page.data ? `${page.data.count.toLocaleString()} customers` : 'Loading…'}
        columns={COLUMNS}
        rows={page.data?.results}
      />
      <Pager previous={previous} next={next} />
    </section>
  );
}
