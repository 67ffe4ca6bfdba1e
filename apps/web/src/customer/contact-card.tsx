import type { Contact } from '@ccm/sdk';
import { useId, useRef, useState } from 'react';
import { Hidden } from '../hidden.js';
import { History } from '../history.js';
import { ccm } from '../session.js';
import type { useContactActions } from './actions.js';
import { ContactForm } from './contact-form.js';

type Actions = ReturnType<typeof useContactActions>;

/** A contact's change history, shown on demand (a disclosure button). */
function ContactHistory({ contact }: { contact: Contact }) {
  const [open, setOpen] = useState(false);
  const id = useId();
  return (
    <div>
      <button type="button" aria-expanded={open} aria-controls={id} onClick={() => setOpen(!open)}>
        History
        <Hidden>{contact.email}</Hidden>
      </button>
      <div id={id}>
        {open && (
          <History
            label={`History of ${contact.email}`}
            queryKey={['customer', contact.customer, 'contact', contact.id, 'history']}
            read={(page) => ccm.contacts.history({ params: { id: contact.id }, query: { page, page_size: 10 } })}
          />
        )}
      </div>
    </div>
  );
}

/** The buttons that change a contact (not shown to viewers). */
function ContactButtons(props: { contact: Contact; actions: Actions; edit: () => void; remove: () => void }) {
  const { contact, actions } = props;
  return (
    <div className="actions">
      <button type="button" onClick={props.edit}>
        Edit
        <Hidden>{contact.email}</Hidden>
      </button>
      {!contact.is_primary && (
        <button type="button" onClick={() => actions.setPrimary(contact)}>
          Set primary
          <Hidden>{contact.email}</Hidden>
        </button>
      )}
      <button type="button" onClick={() => actions.toggle(contact)}>
        {contact.is_active ? 'Deactivate' : 'Activate'}
        <Hidden>{contact.email}</Hidden>
      </button>
      <button type="button" className="danger" onClick={props.remove}>
        Delete
        <Hidden>{contact.email}</Hidden>
      </button>
    </div>
  );
}

/** One contact of the customer's page: its numbers and flags, its actions, its edit form, its history. */
export function ContactCard(props: { contact: Contact; actions: Actions; canWrite: boolean; remove: () => void }) {
  const { contact, actions } = props;
  const [editing, setEditing] = useState(false);
  const editButton = useRef<HTMLDivElement>(null);
  const heading = useId();
  const stopEditing = () => {
    setEditing(false);
    // Back to the Edit button the form replaced.
    requestAnimationFrame(() => editButton.current?.querySelector('button')?.focus());
  };
  return (
    <li aria-labelledby={heading} className={contact.is_active ? 'card' : 'card inactive'}>
      <h3 id={heading}>{contact.email}</h3>
      <p className="badges">
        {contact.is_primary ? 'Primary' : 'Not primary'} · {contact.is_active ? 'Active' : 'Inactive'}
      </p>
      <dl className="details">
        <dt>WhatsApp</dt>
        <dd>{contact.wa_number}</dd>
        <dt>Telephone</dt>
        <dd>{contact.tp_number}</dd>
      </dl>
      {editing ? (
        <ContactForm
          label={`Edit ${contact.email}`}
          initial={contact}
          action="Save contact"
          reload={actions.reload}
          save={async (fields) => {
            await actions.edit(contact, fields);
            stopEditing();
          }}
        >
          <button type="button" onClick={stopEditing}>
            Cancel
          </button>
        </ContactForm>
      ) : (
        props.canWrite && (
          <div ref={editButton}>
            <ContactButtons contact={contact} actions={actions} edit={() => setEditing(true)} remove={props.remove} />
          </div>
        )
      )}
      <ContactHistory contact={contact} />
    </li>
  );
}
