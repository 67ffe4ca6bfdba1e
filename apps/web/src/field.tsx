import { CcmApiError } from '@ccm/sdk';
import { type InputHTMLAttributes, useId } from 'react';

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
