import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { useFeedback } from '../feedback.js';
import { Hidden } from '../hidden.js';
import { ccm } from '../session.js';
import { type Column, RecordTable } from '../table.js';
import { write } from '../write.js';

type Webhook = Awaited<ReturnType<typeof ccm.webhooks.get>>;
type Delivery = Awaited<ReturnType<typeof ccm.webhooks.deliveries>>['results'][number];

const when = (iso: string | null) => (iso ? new Date(iso).toLocaleString() : '—');

const DELIVERY_COLUMNS: Column<Delivery>[] = [
  ['Event', (d) => d.event_type],
  ['Status', (d) => d.status],
  ['Attempts', (d) => d.attempts],
  ['Answer', (d) => (d.response_status === null ? '—' : `${d.response_status} in ${d.response_time_ms} ms`)],
  ['Last attempt', (d) => when(d.last_attempt_at)],
  ['Error', (d) => d.last_error ?? ''],
];

/** A webhook's latest deliveries, read again every few seconds while shown. */
function Deliveries({ webhook }: { webhook: Webhook }) {
  const deliveries = useQuery({
    queryKey: ['webhooks', webhook.id, 'deliveries'],
    queryFn: () => ccm.webhooks.deliveries({ params: { id: webhook.id }, query: { page_size: 10 } }),
    refetchInterval: 3_000,
  });
  return (
    <RecordTable
      label={`Deliveries to ${webhook.url}`}
      caption={deliveries.data ? `Latest of ${deliveries.data.count.toLocaleString()} deliveries` : 'Loading…'}
      columns={DELIVERY_COLUMNS}
      rows={deliveries.data?.results}
    />
  );
}

/** Enabling, disabling, pinging and deleting, each announced, the list read again after it. */
function useWebhookActions(webhook: Webhook) {
  const queries = useQueryClient();
  const feedback = useFeedback();
  const params = { id: String(webhook.id) };
  const run = async (operation: string, call: Parameters<typeof write>[1], done?: string) => {
    try {
      const { message } = await write(operation, call, done);
      await queries.invalidateQueries({ queryKey: ['webhooks'] });
      feedback.say(message);
    } catch (error) {
      feedback.fail(error);
    }
  };
  return {
    toggle: () => run('webhooks.update', ccm.raw.webhooks.update({ params, body: { is_active: !webhook.is_active } })),
    ping: () => run('webhooks.test', ccm.raw.webhooks.test({ params })),
    remove: () => run('webhooks.delete', ccm.raw.webhooks.delete({ params }), 'Webhook deleted successfully'),
  };
}

/** One webhook: where it sends, what, whether it is on; its actions; its deliveries on demand. */
export function WebhookCard({ webhook, confirmDelete }: { webhook: Webhook; confirmDelete: () => Promise<boolean> }) {
  const actions = useWebhookActions(webhook);
  const [open, setOpen] = useState(false);
  const id = useId();
  return (
    <li aria-labelledby={`${id}-url`} className={webhook.is_active ? 'card' : 'card inactive'}>
      <h3 id={`${id}-url`}>{webhook.url}</h3>
      <p className="badges">
        {webhook.is_active ? 'Enabled' : `Disabled${webhook.disabled_reason ? `: ${webhook.disabled_reason}` : ''}`}
      </p>
      {webhook.description && <p>{webhook.description}</p>}
      <p>Events: {webhook.events.join(', ')}</p>
      <div className="actions">
        <button type="button" onClick={actions.toggle}>
          {webhook.is_active ? 'Disable' : 'Enable'}
          <Hidden>{webhook.url}</Hidden>
        </button>
        <button type="button" onClick={actions.ping}>
          Send a test
          <Hidden>{webhook.url}</Hidden>
        </button>
        <button
          type="button"
          className="danger"
          onClick={async () => {
            if (!(await confirmDelete())) return;
            // No more reads of the deliveries of a webhook about to be gone.
            setOpen(false);
            await actions.remove();
          }}
        >
          Delete
          <Hidden>{webhook.url}</Hidden>
        </button>
        <button type="button" aria-expanded={open} aria-controls={`${id}-deliveries`} onClick={() => setOpen(!open)}>
          Deliveries
          <Hidden>{webhook.url}</Hidden>
        </button>
      </div>
      <div id={`${id}-deliveries`}>{open && <Deliveries webhook={webhook} />}</div>
    </li>
  );
}
