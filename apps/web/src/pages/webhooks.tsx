import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useRef, useState } from 'react';
import { AdminOnly } from '../access.js';
import { WebhookCard } from '../admin/webhook-card.js';
import { NewWebhookForm } from '../admin/webhook-form.js';
import { useConfirm } from '../confirm.js';
import { Pager } from '../paging.js';
import { ccm } from '../session.js';

function WebhookList() {
  const [page, setPage] = useState(1);
  const webhooks = useQuery({
    queryKey: ['webhooks', 'list', page],
    queryFn: () => ccm.webhooks.list({ query: { page, page_size: 20 } }),
    placeholderData: keepPreviousData,
  });
  const heading = useRef<HTMLHeadingElement>(null);
  const confirm = useConfirm(() => heading.current?.focus());
  const list = webhooks.data?.results;
  return (
    <section aria-labelledby="endpoints-heading">
      <h2 id="endpoints-heading" ref={heading} tabIndex={-1}>
        Endpoints
      </h2>
      {webhooks.error && <p className="error">{(webhooks.error as Error).message}</p>}
      {list?.length === 0 && <p>No webhooks yet.</p>}
      <ul className="cards" aria-labelledby="endpoints-heading">
        {list?.map((webhook) => (
          <WebhookCard
            key={webhook.id}
            webhook={webhook}
            confirmDelete={() =>
              confirm.ask({
                title: 'Delete webhook?',
                text: `${webhook.url} will hear of no more changes; its deliveries are deleted with it.`,
                action: 'Delete',
              })
            }
          />
        ))}
      </ul>
      {(page > 1 || webhooks.data?.next) && (
        <Pager
          previous={page > 1 ? () => setPage(page - 1) : undefined}
          next={webhooks.data?.next ? () => setPage(page + 1) : undefined}
        />
      )}
      {confirm.dialog}
    </section>
  );
}

/** The webhooks (admins only): the endpoints that hear of every change, their deliveries, new ones. */
export function WebhooksPage() {
  return (
    <section aria-labelledby="webhooks-heading">
      <h1 id="webhooks-heading">Webhooks</h1>
      <AdminOnly what="webhooks">
        <WebhookList />
        <h2>New webhook</h2>
        <NewWebhookForm />
      </AdminOnly>
    </section>
  );
}
