import { CcmApiError } from '@ccm/sdk';
import { type FormEvent, type InputHTMLAttributes, useId, useState } from 'react';
import { useFeedback } from './feedback.js';

type InputProps = Omit<InputHTMLAttributes<HTMLInputElement>, 'id' | 'aria-invalid' | 'aria-describedby'>;

/** One labelled input, with the server's messages for it beside it (and announced with it). */
export function Field({ label, errors = [], ...input }: { label: string; errors?: string[] } & InputProps) {
  const id = useId();
  const invalid = errors.length > 0;
  return (
    <div className="field">
      <label htmlFor={`${id}-input`}>{label}</label>
      <input
        id={`${id}-input`}
        aria-invalid={invalid}
        aria-describedby={invalid ? `${id}-errors` : undefined}
        {...input}
      />
      {invalid && (
        <span id={`${id}-errors`} className="error">
          {errors.join(' ')}
        </span>
      )}
    </div>
  );
}

/** A labelled checkbox. */
export function Check({ label, ...input }: { label: string } & Omit<InputProps, 'type'>) {
  return (
    <label className="check">
      <input type="checkbox" {...input} /> {label}
    </label>
  );
}

/** The field errors of a failed call, by field (none for an error that is not the server's answer). */
export const fieldErrors = (error: unknown) => (CcmApiError.is(error) ? error.errors : {});

/**
 * A form sent to the server: busy while it goes; a refusal's messages by field, for the fields, and its message in
 * the page's alert (a stale write's with its `reload`). `send` reads the form and throws the SDK's error.
 */
export function useServerForm(send: (form: HTMLFormElement) => Promise<void>, reload?: () => void) {
  const feedback = useFeedback();
  const [errors, setErrors] = useState<Record<string, string[]>>({});
  const [busy, setBusy] = useState(false);
  const onSubmit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setBusy(true);
    feedback.clear();
    try {
      await send(event.currentTarget);
      setErrors({});
    } catch (error) {
      setErrors(fieldErrors(error));
      feedback.fail(error, reload);
    } finally {
      setBusy(false);
    }
  };
  return { errors, busy, onSubmit };
}
