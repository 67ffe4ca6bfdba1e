import type { Contact } from '@ccm/sdk';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { saveFile } from '../download.js';
import { PAGE_SIZE, Pager, useCursorPages } from '../paging.js';
import { ccm } from '../session.js';
import { type Column, RecordTable, yesNo } from '../table.js';

const FLAG = { any: undefined, yes: true, no: false } as const;
type Flag = keyof typeof FLAG;

const COLUMNS: Column<Contact>[] = [
  ['E-mail', (c) => c.email],
  ['WhatsApp', (c) => c.wa_number],
  ['Telephone', (c) => c.tp_number],
  ['Customer', (c) => c.customer_name],
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

function FlagFilter({ label, value, onChange }: { label: string; value: Flag; onChange: (f: Flag) => void }) {
  return (
    <label>
      {label}
      <select value={value} onChange={(e) => onChange(e.target.value as Flag)}>
        <option value="any">Any</option>
        <option value="yes">Yes</option>
        <option value="no">No</option>
      </select>
    </label>
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
  const { page, previous, next } = useCursorPages('contacts', query, (cursor) =>
    ccm.contacts.list({ query: { page_size: PAGE_SIZE, cursor, ...query } }),
  );
  return (
    <section aria-labelledby="contacts-heading">
      <h1 id="contacts-heading">Contacts</h1>
      <Stats />
      <div className="filters">
        <label>
          Search
          <input type="search" value={search} onChange={(e) => setSearch(e.target.value)} />
        </label>
        <FlagFilter label="Active" value={active} onChange={setActive} />
        <FlagFilter label="Primary" value={primary} onChange={setPrimary} />
      </div>
      <ExportButton query={query} />
      {page.error && <p role="alert">{(page.error as Error).message}</p>}
      <RecordTable
        label="Contacts table"
        caption={page.data ? `${page.data.count.toLocaleString()} contacts` : 'Loading…'}
        columns={COLUMNS}
        rows={page.data?.results}
      />
      <Pager previous={previous} next={next} />
    </section>
  );
}
