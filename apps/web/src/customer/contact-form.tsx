import type { Contact } from '@ccm/sdk';
import { type ReactNode, useEffect, useRef } from 'react';
import { Check, Field, useServerForm } from '../field.js';

export interface ContactFields {
  email: string;
  wa_number: string;
  tp_number: string;
  is_primary?: boolean;
}

/**
 * A contact's fields, to add one (with the Primary choice) or edit one: the server's messages for a field next
 * to it, the envelope's message in the page's alert (a stale edit with its Reload). `save` throws when refused.
 */
export function ContactForm(props: {
  label: string;
  initial?: Contact;
  action: string;
  save: (fields: ContactFields) => Promise<void>;
  reload?: () => void;
  children?: ReactNode;
}) {
  const formRef = useRef<HTMLFormElement>(null);
  const editing = props.initial !== undefined;
  // An edit form replaces the contact's buttons: focus goes to its first field.
  useEffect(() => {
    if (editing) formRef.current?.querySelector('input')?.focus();
  }, [editing]);
  const { errors, busy, onSubmit } = useServerForm(async (form) => {
    const data = new FormData(form);
    const text = (name: string) => String(data.get(name) ?? '').trim();
    const fields: ContactFields = { email: text('email'), wa_number: text('wa_number'), tp_number: text('tp_number') };
    if (!props.initial) fields.is_primary = data.has('is_primary');
    await props.save(fields);
    if (!props.initial) form.reset();
  }, props.reload);
  const initial = props.initial;
  return (
    <form ref={formRef} aria-label={props.label} onSubmit={onSubmit} noValidate className="contact-form">
      <Field name="email" type="email" label="E-mail" required defaultValue={initial?.email} errors={errors.email} />
      <Field
        name="wa_number"
        type="tel"
        label="WhatsApp number"
        required
        defaultValue={initial?.wa_number}
        errors={errors.wa_number}
      />
      <Field
        name="tp_number"
        type="tel"
        label="Telephone number"
        required
        defaultValue={initial?.tp_number}
        errors={errors.tp_number}
      />
      {!initial && <Check name="is_primary" label="Primary" />}
      {errors.customer && <p className="error">{errors.customer.join(' ')}</p>}
      <button type="submit" disabled={busy}>
        {props.action}
      </button>{' '}
      {props.children}
    </form>
  );
}
