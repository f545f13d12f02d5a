import { type InputHTMLAttributes, useId } from 'react';
import type { ApiProblem } from './api-problem.js';

type FieldProps = {
  label: string;
  value: string;
  onValueChange: (value: string) => void;
  /** The api's message for this field, shown under it and announced with it. */
  error?: string;
  hint?: string;
} & Omit<InputHTMLAttributes<HTMLInputElement>, 'value' | 'onChange' | 'id'>;

/** A labelled input whose hint and error are tied to it for screen readers. */
export function Field({ label, value, onValueChange, error, hint, ...input }: FieldProps) {
  const id = useId();
  const described = [hint && `${id}-hint`, error && `${id}-error`].filter(Boolean).join(' ');
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        value={value}
        onChange={(event) => onValueChange(event.target.value)}
        aria-invalid={error ? true : undefined}
        aria-describedby={described || undefined}
        {...input}
      />
      {hint && (
        <p id={`${id}-hint`} className="field-hint muted">
          {hint}
        </p>
      )}
      {error && (
        <p id={`${id}-error`} className="field-error">
          {error}
        </p>
      )}
    </div>
  );
}

/**
 * The form's error summary. The live region is always in the page so assistive technology is
 * already watching it when a message arrives.
 */
export function FormProblem({ problem }: { problem: ApiProblem }) {
  return (
    <div className="form-problem" role="alert" aria-live="assertive">
      {problem.message && <p>{problem.message}</p>}
    </div>
  );
}
