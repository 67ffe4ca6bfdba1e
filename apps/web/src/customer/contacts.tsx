import type { Contact } from '@ccm/sdk';
import { useQuery } from '@tanstack/react-query';
import { useRef } from 'react';
import { useCanWrite } from '../access.js';
import { useConfirm } from '../confirm.js';
import { ccm } from '../session.js';
import { useContactActions } from './actions.js';
import { ContactCard } from './contact-card.js';
import { ContactForm } from './contact-form.js';

/** A customer's contacts, the primary first, each with its actions; and the form that adds one. */
export function CustomerContacts({ customer }: { customer: number }) {
  const contacts = useQuery({
    queryKey: ['customer', customer, 'contacts'],
    queryFn: () => ccm.customers.contacts({ params: { id: customer } }),
  });
  const canWrite = useCanWrite();
  const actions = useContactActions(customer);
  const heading = useRef<HTMLHeadingElement>(null);
  const confirm = useConfirm(() => heading.current?.focus());
  const remove = async (contact: Contact) => {
    const yes = await confirm.ask({
      title: 'Delete contact?',
      text: `${contact.email} will be deleted. Its history is kept.`,
      action: 'Delete',
    });
    // The deleted contact's buttons are gone: focus goes to the list's heading.
    if (yes && (await actions.remove(contact))) heading.current?.focus();
  };
  const list = contacts.data?.contacts;
  return (
    <section aria-labelledby="contacts-heading">
      <h2 id="contacts-heading" ref={heading} tabIndex={-1}>
        Contacts
      </h2>
      {contacts.error && <p className="error">{(contacts.error as Error).message}</p>}
      {list?.length === 0 && <p>No contacts yet.</p>}
      <ul className="cards" aria-labelledby="contacts-heading">
        {list?.map((contact) => (
          <ContactCard
            key={contact.id}
            contact={contact}
            actions={actions}
            canWrite={canWrite}
            remove={() => void remove(contact)}
          />
        ))}
      </ul>
      {canWrite && (
        <>
          <h3>Add a contact</h3>
          <ContactForm label="Add contact" action="Add contact" save={actions.add} />
        </>
      )}
      {confirm.dialog}
    </section>
  );
}
