import { CcmApiError } from '@ccm/sdk';
import { useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate } from '@tanstack/react-router';
import { type FormEvent, useId, useState } from 'react';
import { ccm } from '../session.js';

/** The form's fields: the API's names, and their labels. */
const FIELDS = [
  ['username', 'Username'],
  ['email', 'E-mail'],
  ['first_name', 'First name'],
  ['last_name', 'Last name'],
  ['nic', 'NIC'],
  ['phone_number', 'Phone number'],
  ['address', 'Address'],
] as const;
const OPTIONAL = new Set(['phone_number', 'address']);

/** One labelled input, with the server's messages for it beside it (and announced with it). */
function Field({ name, label, errors }: { name: string; label: string; errors: string[] }) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={`${id}-input`}>{label}</label>
      <input
        id={`${id}-input`}
        name={name}
        required={!OPTIONAL.has(name)}
        aria-invalid={errors.length > 0}
        aria-describedby={errors.length > 0 ? `${id}-errors` : undefined}
      />
      {errors.length > 0 && (
        <span id={`${id}-errors`} className="error">
          {errors.join(' ')}
        </span>
      )}
    </div>
  );
}

/** A new customer: the server checks every field and answers each one's messages, shown next to it. */
export function NewCustomerPage() {
  const navigate = useNavigate();
  const queries = useQueryClient();
  const [failure, setFailure] = useState<CcmApiError | Error>();
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const body = Object.fromEntries(
      FIELDS.flatMap(([name]) => {
        const value = String(form.get(name) ?? '');
        return value === '' && OPTIONAL.has(name) ? [] : [[name, value]];
      }),
    );
    setBusy(true);
    try {
      await ccm.customers.create({ body: body as never });
      await queries.invalidateQueries({ queryKey: ['customers'] });
      await navigate({ to: '/' });
    } catch (err) {
      setFailure(err instanceof Error ? err : new Error(String(err)));
    } finally {
      setBusy(false);
    }
  };
  const errorsOf = (name: string) => (failure instanceof CcmApiError ? failure.fieldErrors(name) : []);
  return (
    <section aria-labelledby="new-customer-heading">
      <h1 id="new-customer-heading">New customer</h1>
      <form onSubmit={submit} noValidate>
        {failure && (
          <p role="alert" className="error">
            {failure.message}
          </p>
        )}
        {FIELDS.map(([name, label]) => (
          <Field key={name} name={name} label={label} errors={errorsOf(name)} />
        ))}
        <button type="submit" disabled={busy}>
          Create customer
        </button>{' '}
        <Link to="/">Cancel</Link>
      </form>
    </section>
  );
}
