import { type Contact, SEARCH_COUNT_LIMIT } from '@ccm/sdk';
import { useQuery } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { useState } from 'react';
import { saveFile } from '../download.js';
import { FLAG, type Flag, FlagFilter, SearchField } from '../filters.js';
import { PAGE_SIZE, PagedTable, useCursorPages } from '../paging.js';
import { ccm } from '../session.js';
import { type Column, yesNo } from '../table.js';

const COLUMNS: Column<Contact>[] = [
  ['E-mail', (c) => c.email],
  ['WhatsApp', (c) => c.wa_number],
  ['Telephone', (c) => c.tp_number],
  [
    'Customer',
    (c) => (
      <Link to="/customers/$id" params={{ id: String(c.customer) }}>
        {c.customer_name}
      </Link>
    ),
  ],
  ['Primary', (c) => yesNo(c.is_primary)],
  ['Active', (c) => yesNo(c.is_active)],
];

/** The statistics of `contacts/stats`, as a list of figures. */
function Stats() {
  const stats = useQuery({ queryKey: ['contacts', 'stats'], queryFn: () => ccm.contacts.stats() });
  if (!stats.data) return null;
  const figures: [string, number][] = [
    ['Contacts', stats.data.total_contacts],
    ['Active', stats.data.active_contacts],
    ['Inactive', stats.data.inactive_contacts],
    ['Primary', stats.data.primary_contacts],
    ['Customers with contacts', stats.data.customers_with_contacts],
    ['Customers without', stats.data.customers_without_contacts],
  ];
  return (
    <dl className="stats" aria-label="Statistics">
      {figures.map(([label, n]) => (
        <div key={label}>
          <dt>{label}</dt>
          <dd>{n.toLocaleString()}</dd>
        </div>
      ))}
    </dl>
  );
}

/** The contacts matching the page's filters, as the server's CSV file (the import's columns), downloaded. */
function ExportButton({ query }: { query: { search?: string; is_active?: boolean; is_primary?: boolean } }) {
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const download = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const file = await ccm.contacts.export({ query: { ...query, format: 'csv' } });
      saveFile(await file.blob(), file.filename);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <button type="button" onClick={download} disabled={busy}>
        Export CSV
      </button>
      {error && <p role="alert">{error}</p>}
    </>
  );
}

/** Every contact, with the statistics above, searched and filtered, a page at a time by keyset cursor. */
export function ContactsPage() {
  const [search, setSearch] = useState('');
  const [active, setActive] = useState<Flag>('any');
  const [primary, setPrimary] = useState<Flag>('any');
  const query = { search: search || undefined, is_active: FLAG[active], is_primary: FLAG[primary] };
  const pages = useCursorPages('contacts', query, (cursor) =>
    ccm.contacts.list({ query: { page_size: PAGE_SIZE, cursor, ...query } }),
  );
  return (
    <section aria-labelledby="contacts-heading">
      <h1 id="contacts-heading">Contacts</h1>
      <Stats />
      <div className="filters">
        <SearchField value={search} onChange={setSearch} />
        <FlagFilter label="Active" value={active} onChange={setActive} />
        <FlagFilter label="Primary" value={primary} onChange={setPrimary} />
      </div>
      <ExportButton query={query} />
      <PagedTable
        label="Contacts table"
        noun="contacts"
        bound={query.search ? SEARCH_COUNT_LIMIT : undefined}
        columns={COLUMNS}
        pages={pages}
      />
    </section>
  );
}
