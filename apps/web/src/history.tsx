import type { Event, Page } from '@ccm/sdk';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Pager } from './paging.js';

const WHAT: Record<string, string> = {
  'customer.created': 'Created',
  'customer.updated': 'Updated',
  'customer.deleted': 'Deleted',
  'contact.created': 'Created',
  'contact.updated': 'Updated',
  'contact.deleted': 'Deleted',
  'contact.primary_changed': 'Made primary',
  'contact.activated': 'Activated',
  'contact.deactivated': 'Deactivated',
};

const FIELD: Record<string, string> = {
  email: 'E-mail',
  wa_number: 'WhatsApp',
  tp_number: 'Telephone',
  is_primary: 'Primary',
  is_active: 'Active',
  is_verified: 'Verified',
  first_name: 'First name',
  last_name: 'Last name',
  full_name: 'Name',
  nic: 'NIC',
  phone_number: 'Phone number',
  username: 'Username',
  address: 'Address',
};

/** A value of a change as a person reads it. */
function shown(value: unknown): string {
  if (value === null || value === undefined || value === '') return '(empty)';
  if (typeof value === 'boolean') return value ? 'Yes' : 'No';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

const actorOf = (event: Event) =>
  event.actor.type === 'user' ? event.actor.username : event.actor.type === 'cli' ? 'the command line' : 'the system';

function Entry({ event }: { event: Event }) {
  const changes = Object.entries(event.data.changes ?? {}).filter(([field]) => field !== 'version');
  return (
    <li>
      <strong>{WHAT[event.type] ?? event.type}</strong> by {actorOf(event)},{' '}
      <time dateTime={event.occurred_at}>{new Date(event.occurred_at).toLocaleString()}</time>
      {changes.length > 0 && (
        <ul>
          {changes.map(([field, change]) => (
            <li key={field}>
              {FIELD[field] ?? field}: {shown(change.before)} → {shown(change.after)}
            </li>
          ))}
        </ul>
      )}
    </li>
  );
}

/** A record's change history, newest first, a page at a time: who, when, which fields from what to what. */
export function History(props: { label: string; queryKey: unknown[]; read: (page: number) => Promise<Page<Event>> }) {
  const [page, setPage] = useState(1);
  const history = useQuery({
    queryKey: [...props.queryKey, page],
    queryFn: () => props.read(page),
    placeholderData: keepPreviousData,
  });
  if (history.error) return <p className="error">{(history.error as Error).message}</p>;
  const events = history.data?.results;
  return (
    <>
      {events?.length === 0 && <p>No changes recorded.</p>}
      <ol className="timeline" aria-label={props.label}>
        {events?.map((event) => (
          <Entry key={event.id} event={event} />
        ))}
      </ol>
      {(page > 1 || history.data?.next) && (
        <Pager
          label={`${props.label} pages`}
          previous={page > 1 ? () => setPage(page - 1) : undefined}
          next={history.data?.next ? () => setPage(page + 1) : undefined}
        />
      )}
    </>
  );
}
