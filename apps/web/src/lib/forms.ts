import { type FormEvent, useCallback, useState } from 'react';
import type { z } from 'zod';
import { type ApiProblem, apiProblem, NO_PROBLEM } from './api-problem.js';

/** The schema's messages keyed like the api's `fields` (path joined with dots), first per field. */
export function schemaFieldMessages(error: z.ZodError): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const issue of error.issues) {
    const path = issue.path.join('.') || '(input)';
    fields[path] ??= issue.message;
  }
  return fields;
}

/**
 * One form: its values, the procedure's own zod input schema checked before sending (same
 * messages as the api's), and the api's field messages put back on the fields when it refuses.
 */
export function useForm<Values extends Record<string, unknown>>(initial: Values) {
  const [values, setValues] = useState<Values>(initial);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<ApiProblem>(NO_PROBLEM);

  const set = useCallback(<K extends keyof Values>(key: K, value: Values[K]) => {
    setValues((current) => ({ ...current, [key]: value }));
  }, []);

  /** Props for a text field bound to `key`, with its message. */
  const text = <K extends keyof Values & string>(key: K, messageKey: string = key) => ({
    value: String(values[key] ?? ''),
    onValueChange: (value: string) => set(key, value as Values[K]),
    error: problem.fields[messageKey],
  });

  /**
   * Validates `input` with `schema` (when given) and runs `send` with the parsed value; returns its
   * result, or undefined when the schema or the api refused (the messages are then on the fields).
   */
  const submit = async <S extends z.ZodType, T>(
    schema: S | null,
    input: unknown,
    send: (parsed: z.output<S>) => Promise<T>,
  ): Promise<T | undefined> => {
    if (schema) {
      const parsed = schema.safeParse(input);
      if (!parsed.success) {
        setProblem({
          message: 'Check the fields marked below.',
          fields: schemaFieldMessages(parsed.error),
          code: 'BAD_REQUEST',
          details: {},
        });
        return undefined;
      }
      input = parsed.data;
    }
    setBusy(true);
    setProblem(NO_PROBLEM);
    try {
      return await send(input as z.output<S>);
    } catch (error) {
      setProblem(apiProblem(error));
      return undefined;
    } finally {
      setBusy(false);
    }
  };

  return { values, set, setValues, text, busy, problem, setProblem, submit };
}

/** The submit handler of a <form>: no page reload, then the work. */
export function onSubmit(work: () => unknown) {
  return (event: FormEvent) => {
    event.preventDefault();
    void work();
  };
}
