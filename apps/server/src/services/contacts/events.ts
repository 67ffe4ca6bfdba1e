import type { Contact as ContactDto, EventType } from '@ccm/contract';
import type { ContactRecord, NewEvent } from '../../db/index.js';
import { contactDto } from '../dto.js';
import { eventOf } from '../events.js';

// The events of the contact writes (docs/api.md, "Change history"), appended in each write's unit of work.

export const contactEvent = (type: EventType, contact: ContactDto, changes?: object): NewEvent =>
  eventOf(type, { type: 'contact', id: contact.id }, contact, changes);

/** A primary demoted by another contact's promotion is an update of its own. */
export const demotionEvents = (demoted: ContactRecord[]): NewEvent[] =>
  demoted.map((d) => contactEvent('contact.updated', contactDto(d), { is_primary: { before: true, after: false } }));
