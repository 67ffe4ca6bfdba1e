import type { Customer, CustomerCreate } from '@ccm/sdk';
import type { ReactNode } from 'react';
import { Check, Field, useServerForm } from '../field.js';

/** The form's text fields: the API's names, and their labels. */
const FIELDS = [
  ['username', 'Username'],
  ['email', 'E-mail'],
  ['first_name', 'First name'],
  ['last_name', 'Last name'],
  ['nic', 'NIC'],
  ['phone_number', 'Phone number'],
  ['address', 'Address'],
] as const;
const OPTIONAL = new Set<string>(['phone_number', 'address']);

/** The form's values as the API takes them: an empty optional field is null (cleared on an edit). */
function bodyOf(form: FormData): CustomerCreate {
  const text = FIELDS.map(([name]) => {
    const value = String(form.get(name) ?? '').trim();
    return [name, value === '' && OPTIONAL.has(name) ? null : value];
  });
  const flags = [
    ['is_verified', form.has('is_verified')],
    ['is_active', form.has('is_active')],
  ];
  return Object.fromEntries([...text, ...flags]) as CustomerCreate;
}

/**
 * A customer's fields, new or to edit: the server checks each one and its messages are shown next to it; the
 * envelope's message goes to the page's alert. `save` throws the SDK's error when the server refuses.
 */
export function CustomerForm(props: {
  initial?: Customer;
  action: string;
  cancel: ReactNode;
  save: (body: CustomerCreate) => Promise<void>;
  /** A stale edit's way back: the record as it is now. */
  reload?: () => void;
}) {
  const { errors, busy, onSubmit } = useServerForm((form) => props.save(bodyOf(new FormData(form))), props.reload);
  const initial = props.initial;
  return (
    <form onSubmit={onSubmit} noValidate>
      {FIELDS.map(([name, label]) => (
        <Field
          key={name}
          name={name}
          label={label}
          required={!OPTIONAL.has(name)}
          defaultValue={initial?.[name] ?? ''}
          errors={errors[name]}
        />
      ))}
      <Check name="is_verified" label="Verified" defaultChecked={initial?.is_verified ?? false} />
      <Check name="is_active" label="Active" defaultChecked={initial?.is_active ?? true} />
      <button type="submit" disabled={busy}>
        {props.action}
      </button>{' '}
      {props.cancel}
    </form>
  );
}
