import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { useState } from 'react';
import { WriteAccess } from '../access.js';
import { ccm } from '../session.js';

const PAGE_SIZE = 20;

/** The customers, newest first, searched as typed, a page at a time by keyset cursor. */
export function CustomersPage() {
  const [search, setSearch] = useState('');
  const [cursors, setCursors] = useState<string[]>(['']);
  const cursor = cursors.at(-1) ?? '';
  const page = useQuery({
    queryKey: ['customers', search, cursor],
    queryFn: () => ccm.customers.list({ query: { page_size: PAGE_SIZE, cursor, ...(search ? { search } : {}) } }),
    placeholderData: keepPreviousData,
  });
  const onSearch = (value: string) => {
    setSearch(value);
    setCursors(['']);
  };
  return (
    <section aria-labelledby="customers-heading">
      <h1 id="customers-heading">Customers</h1>
      <WriteAccess>
        <Link to="/customers/new">New customer</Link>
      </WriteAccess>
      <label>
        Search
        <input type="search" value={search} onChange={(e) => onSearch(e.target.value)} />
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
      <nav aria-label="Pages">
        <button type="button" disabled={cursors.length < 2} onClick={() => setCursors(cursors.slice(0, -1))}>
          Previous
        </button>
        <button
          type="button"
          disabled={!page.data?.nextCursor}
          onClick={() => page.data?.nextCursor && setCursors([...cursors, page.data.nextCursor])}
        >
          Next
        </button>
      </nav>
    </section>
  );
}
