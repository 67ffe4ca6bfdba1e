import type { Customer } from '@ccm/sdk';
import { useQuery } from '@tanstack/react-query';
import { Link, useParams } from '@tanstack/react-router';
import { WriteAccess } from '../access.js';
import { CustomerContacts } from '../customer/contacts.js';
import { History } from '../history.js';
import { ccm } from '../session.js';
import { yesNo } from '../table.js';

/** The customer as the page shows it and the edit form starts from (with its ETag, for If-Match). */
export const customerQuery = (id: number) => ({
  queryKey: ['customer', id],
  queryFn: () => ccm.customers.get({ params: { id } }),
});

const when = (iso: string) => new Date(iso).toLocaleString();

function Details({ customer }: { customer: Customer }) {
  const rows: [string, string][] = [
    ['Code', customer.customer_id],
    ['Username', customer.username],
    ['E-mail', customer.email],
    ['NIC', customer.nic],
    ['Phone number', customer.phone_number ?? '—'],
    ['Address', customer.address ?? '—'],
    ['Verified', yesNo(customer.is_verified)],
    ['Active', yesNo(customer.is_active)],
    ['Created', when(customer.created_at)],
    ['Updated', when(customer.updated_at)],
  ];
  return (
    <dl className="details">
      {rows.map(([label, value]) => (
        <div key={label}>
          <dt>{label}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

/** A customer's page: its details, its contacts and their actions, and its history. */
export function CustomerPage() {
  const id = Number(useParams({ from: '/app/customers/$id' }).id);
  const customer = useQuery(customerQuery(id));
  if (customer.error) return <p className="error">{(customer.error as Error).message}</p>;
  if (!customer.data) return <p>Loading…</p>;
  return (
    <article aria-labelledby="customer-heading">
      <h1 id="customer-heading">{customer.data.full_name}</h1>
      <WriteAccess>
        <Link to="/customers/$id/edit" params={{ id: String(id) }}>
          Edit customer
        </Link>
      </WriteAccess>
      <Details customer={customer.data} />
      <CustomerContacts customer={id} />
      <section aria-labelledby="history-heading">
        <h2 id="history-heading">History</h2>
        <History
          label="Customer history"
          queryKey={['customer', id, 'history']}
          read={(page) => ccm.customers.history({ params: { id }, query: { page, page_size: 10 } })}
        />
      </section>
    </article>
  );
}
