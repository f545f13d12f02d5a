import {
  type InputHTMLAttributes,
  type ReactNode,
  type SelectHTMLAttributes,
  type TextareaHTMLAttributes,
  useId,
} from 'react';
import { cn } from './cn.js';

const CONTROL =
  'block w-full rounded-md border border-input bg-card px-3 py-2 text-sm text-foreground placeholder:text-muted-foreground aria-[invalid=true]:border-danger';
/** Inputs and selects share one height (a select's own box is 2 px shorter), level with buttons. */
const SINGLE_LINE = `${CONTROL} h-10`;

interface FieldChrome {
  label: string;
  /** The message for this field (the api's or the schema's), shown under it and announced with it. */
  error?: string;
  hint?: ReactNode;
  className?: string;
}

function useFieldIds(error?: string, hint?: ReactNode) {
  const id = useId();
  const described = [hint && `${id}-hint`, error && `${id}-error`].filter(Boolean).join(' ');
  return { id, describedBy: described || undefined };
}

function Chrome(props: FieldChrome & { id: string; children: ReactNode }) {
  return (
    <div className={cn('space-y-1', props.className)}>
      <label htmlFor={props.id} className="block text-sm font-medium">
        {props.label}
      </label>
      {props.children}
      {props.hint && (
        <p id={`${props.id}-hint`} className="text-xs text-muted-foreground">
          {props.hint}
        </p>
      )}
      {props.error && (
        <p id={`${props.id}-error`} className="text-sm text-danger">
          {props.error}
        </p>
      )}
    </div>
  );
}

type InputFieldProps = FieldChrome & {
  value: string;
  onValueChange: (value: string) => void;
} & Omit<InputHTMLAttributes<HTMLInputElement>, 'value' | 'onChange' | 'id' | 'className'>;

/** A labelled input whose hint and error are tied to it for screen readers. */
export function Field({ label, error, hint, className, value, onValueChange, ...input }: InputFieldProps) {
  const { id, describedBy } = useFieldIds(error, hint);
  return (
    <Chrome id={id} label={label} error={error} hint={hint} className={className}>
      <input
        id={id}
        className={SINGLE_LINE}
        value={value}
        onChange={(event) => onValueChange(event.target.value)}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy}
        {...input}
      />
    </Chrome>
  );
}

type TextAreaFieldProps = FieldChrome & {
  value: string;
  onValueChange: (value: string) => void;
} & Omit<TextareaHTMLAttributes<HTMLTextAreaElement>, 'value' | 'onChange' | 'id' | 'className'>;

export function TextAreaField({ label, error, hint, className, value, onValueChange, ...input }: TextAreaFieldProps) {
  const { id, describedBy } = useFieldIds(error, hint);
  return (
    <Chrome id={id} label={label} error={error} hint={hint} className={className}>
      <textarea
        id={id}
        className={CONTROL}
        value={value}
        onChange={(event) => onValueChange(event.target.value)}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy}
        {...input}
      />
    </Chrome>
  );
}

type SelectFieldProps = FieldChrome & {
  value: string;
  onValueChange: (value: string) => void;
  options: ReadonlyArray<{ value: string; label: string }>;
} & Omit<SelectHTMLAttributes<HTMLSelectElement>, 'value' | 'onChange' | 'id' | 'className'>;

/** A native select: keyboard, screen readers and phones handle it best. */
export function SelectField({
  label,
  error,
  hint,
  className,
  value,
  onValueChange,
  options,
  ...rest
}: SelectFieldProps) {
  const { id, describedBy } = useFieldIds(error, hint);
  return (
    <Chrome id={id} label={label} error={error} hint={hint} className={className}>
      <select
        id={id}
        className={SINGLE_LINE}
        value={value}
        onChange={(event) => onValueChange(event.target.value)}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy}
        {...rest}
      >
        {options.map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </select>
    </Chrome>
  );
}

export function CheckboxField(props: {
  label: string;
  checked: boolean;
  onCheckedChange: (checked: boolean) => void;
  hint?: ReactNode;
  disabled?: boolean;
}) {
  const id = useId();
  return (
    <div className="flex items-start gap-2">
      <input
        id={id}
        type="checkbox"
        className="mt-1 h-4 w-4 accent-primary"
        checked={props.checked}
        disabled={props.disabled}
        onChange={(event) => props.onCheckedChange(event.target.checked)}
        aria-describedby={props.hint ? `${id}-hint` : undefined}
      />
      <div>
        <label htmlFor={id} className="text-sm font-medium">
          {props.label}
        </label>
        {props.hint && (
          <p id={`${id}-hint`} className="text-xs text-muted-foreground">
            {props.hint}
          </p>
        )}
      </div>
    </div>
  );
}

/**
 * A form's error summary. The live region is always in the page so assistive technology is
 * already watching it when a message arrives.
 */
export function FormMessage({ message }: { message: string }) {
  return (
    <div role="alert" aria-live="assertive">
      {message && <p className="rounded-md bg-danger-soft px-3 py-2 text-sm text-danger">{message}</p>}
    </div>
  );
}
