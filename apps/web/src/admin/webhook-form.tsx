import type { EventType } from '@ccm/sdk';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useFeedback } from '../feedback.js';
import { Check, Field, useServerForm } from '../field.js';
import { ccm } from '../session.js';
import { write } from '../write.js';

/** Every event type a webhook can listen to (a Record, so that the compiler tells when the API adds one). */
const EVENT_TYPES: Record<EventType, true> = {
  'customer.created': true,
  'customer.updated': true,
  'customer.deleted': true,
  'contact.created': true,
  'contact.updated': true,
  'contact.deleted': true,
  'contact.primary_changed': true,
  'contact.activated': true,
  'contact.deactivated': true,
  'user.created': true,
  'user.updated': true,
};

/** The signing secret of the webhook just made: the server shows it this once. */
function Secret({ secret }: { secret: string }) {
  return (
    <div className="secret">
      <p>
        <strong>Signing secret, shown this once</strong>: keep it where the receiver can read it.
      </p>
      <code>{secret}</code>
    </div>
  );
}

/** A new webhook: its URL, the events it hears (every one by default) and a description. */
export function NewWebhookForm() {
  const queries = useQueryClient();
  const feedback = useFeedback();
  const [secret, setSecret] = useState<string>();
  const { errors, onSubmit } = useServerForm(async (form) => {
    const data = new FormData(form);
    const chosen = data.getAll('events').map(String) as EventType[];
    const events = data.has('every') || chosen.length === 0 ? ['*' as const] : chosen;
    const body = { url: String(data.get('url') ?? ''), events, description: String(data.get('description') ?? '') };
    const made = await write<{ secret: string }>('webhooks.create', ccm.raw.webhooks.create({ body }));
    form.reset();
    setSecret(made.data.secret);
    await queries.invalidateQueries({ queryKey: ['webhooks'] });
    feedback.say(made.message);
  });
  return (
    <>
      {secret && <Secret secret={secret} />}
      <form aria-label="New webhook" onSubmit={onSubmit} noValidate>
        <Field name="url" type="url" label="URL" required errors={errors.url} />
        <fieldset>
          <legend>Events</legend>
          <Check name="every" label="Every event" defaultChecked />
          {Object.keys(EVENT_TYPES).map((type) => (
            <Check key={type} name="events" value={type} label={type} />
          ))}
          {errors.events && <p className="error">{errors.events.join(' ')}</p>}
        </fieldset>
        <Field name="description" label="Description" errors={errors.description} />
        <button type="submit">Create webhook</button>
      </form>
    </>
  );
}
