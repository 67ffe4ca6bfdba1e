import type { z } from 'zod';
import type { FieldErrors } from '../common.js';
import { type ContactCreate, ContactCreateSchema } from '../contacts.js';
import type { ContactCsvColumn } from '../csv.js';
import { CustomerReferenceSchema } from '../customers.js';

/** A row that passed the file's own checks: its customer as written (resolved later) and its contact values. */
export interface CheckedRow {
  line: number;
  cells: Record<ContactCsvColumn, string>;
  reference: string;
  contact: Omit<ContactCreate, 'customer'>;
}

const TRUE = new Set(['true', '1', 'yes', 'y']);
const FALSE = new Set(['false', '0', 'no', 'n']);
export const BOOLEAN_MESSAGE = 'Must be true or false (or 1/0, yes/no).';

/** A flag cell: true/false, 1/0, yes/no in any case; empty for the default; anything else is the cell's text. */
export function flagOf(cell: string, empty: boolean): boolean | string {
  const text = cell.trim().toLowerCase();
  if (text === '') return empty;
  if (TRUE.has(text)) return true;
  if (FALSE.has(text)) return false;
  return cell;
}

const ContactValuesSchema = ContactCreateSchema.omit({ customer: true });

/** zod's issues as field errors, each field's messages once. */
export function fieldErrorsOf(error: z.ZodError): FieldErrors {
  const errors: FieldErrors = {};
  for (const issue of error.issues) {
    const field = issue.path.length > 0 ? issue.path.join('.') : 'non_field_errors';
    const list = errors[field] ?? [];
    if (!list.includes(issue.message)) list.push(issue.message);
    errors[field] = list;
  }
  return errors;
}

/**
 * A CSV row as a bulk-create item, checked against the contract's schemas (what the server would refuse for its
 * shape, before anything is sent): the item, or the row's field errors. Phone numbers are checked for their
 * characters only; the server normalizes them (and refuses one that is no number).
 */
export function checkRow(
  line: number,
  cells: Record<ContactCsvColumn, string>,
): { row: CheckedRow } | { errors: FieldErrors } {
  const errors: FieldErrors = {};
  const flags = { is_primary: flagOf(cells.is_primary, false), is_active: flagOf(cells.is_active, true) };
  for (const [field, value] of Object.entries(flags)) if (typeof value === 'string') errors[field] = [BOOLEAN_MESSAGE];
  const reference = CustomerReferenceSchema.safeParse(cells.customer);
  if (!reference.success) errors.customer = fieldErrorsOf(reference.error).non_field_errors ?? [];
  const contact = ContactValuesSchema.safeParse({
    email: cells.email,
    wa_number: cells.wa_number,
    tp_number: cells.tp_number,
    ...flags,
  });
  if (!contact.success) {
    for (const [field, messages] of Object.entries(fieldErrorsOf(contact.error))) errors[field] ??= messages;
  }
  if (Object.keys(errors).length > 0 || !reference.success || !contact.success) return { errors };
  return { row: { line, cells, reference: reference.data, contact: contact.data } };
}
