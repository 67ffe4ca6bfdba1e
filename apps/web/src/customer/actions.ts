import type { Contact } from '@ccm/sdk';
import { useQueryClient } from '@tanstack/react-query';
import { useFeedback } from '../feedback.js';
import { ccm } from '../session.js';
import { write } from '../write.js';
import type { ContactFields } from './contact-form.js';

/**
 * What can be done to a customer's contacts, each sent with `If-Match` (the version the page shows), its message
 * announced, and the page's data read again (no reload); a stale one offers to read the page's data again.
 */
export function useContactActions(customer: number) {
  const queries = useQueryClient();
  const feedback = useFeedback();
  const refresh = async () => {
    await Promise.all([
      queries.invalidateQueries({ queryKey: ['customer', customer] }),
      queries.invalidateQueries({ queryKey: ['contacts'] }),
    ]);
  };
  const reload = () => void refresh();
  /** Sends a write and tells how it went: true when it was done. */
  const run = async (operation: string, call: Parameters<typeof write>[1], done?: string) => {
    try {
      const { message } = await write(operation, call, done);
      await refresh();
      feedback.say(message);
      return true;
    } catch (error) {
      feedback.fail(error, reload);
      return false;
    }
  };
  const target = (c: Contact) => ({ params: { id: String(c.id) }, ifMatch: c.version });
  return {
    reload,
    setPrimary: (c: Contact) => run('contacts.setPrimary', ccm.raw.contacts.setPrimary({ ...target(c) })),
    toggle: (c: Contact) => run('contacts.toggleStatus', ccm.raw.contacts.toggleStatus({ ...target(c) })),
    remove: (c: Contact) =>
      run('contacts.delete', ccm.raw.contacts.delete({ ...target(c) }), 'Contact deleted successfully'),
    /** Saving a form throws when refused: the form shows the field errors. */
    async add(fields: ContactFields) {
      const { message } = await write('contacts.create', ccm.raw.contacts.create({ body: { customer, ...fields } }));
      await refresh();
      feedback.say(message);
    },
    async edit(c: Contact, fields: ContactFields) {
      const { message } = await write('contacts.patch', ccm.raw.contacts.patch({ ...target(c), body: fields }));
      await refresh();
      feedback.say(message);
    },
  };
}
