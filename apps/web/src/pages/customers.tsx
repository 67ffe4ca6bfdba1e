import { Link } from '@tanstack/react-router';
import { useState } from 'react';
import { WriteAccess } from '../access.js';
import { PAGE_SIZE, Pager, useCursorPages } from '../paging.js';
import { ccm } from '../session.js';

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
      {/* Scrolls sideways on a narrow screen: focusable, so that a keyboard can scroll it too. */}
      {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must take focus (WCAG 2.1.1) */}
      <section className="scroll" aria-label="Customers table" tabIndex={0}>
        <table>
          <caption>{page.data ? `${page.data.count.toLocaleString()} customers` : 'Loading…'}</caption>
          <thead>
            <tr>
              <th scope="col">Code</th>
              <th scope="col">Name</th>
              <th scope="col">Username</th>
              <th scope="col">E-mail</th>
              <th scope="col">Active</th>
            </tr>
          </thead>
          <tbody>
            {page.data?.results.map((c) => (
              <tr key={c.id}>
                <td>{c.customer_id}</td>
                <td>{c.full_name}</td>
                <td>{c.username}</td>
                <td>{c.email}</td>
                <td>{c.is_active ? 'Yes' : 'No'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <Pager previous={previous} next={next} />
    </section>
  );
}
