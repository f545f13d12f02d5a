import { TRPCClientError } from '@trpc/client';

/** What a form shows about a failed call: one message, and messages next to the fields named. */
export interface ApiProblem {
  message: string;
  fields: Record<string, string>;
  /** The tRPC code (UNAUTHORIZED, FORBIDDEN, …), or null when no api answered. */
  code: string | null;
}

export const NO_PROBLEM: ApiProblem = { message: '', fields: {}, code: null };

/** Checked in the browser because only it sees both copies; the api judges the password itself. */
export const PASSWORDS_DIFFER: ApiProblem = {
  message: 'The passwords do not match.',
  fields: { confirmation: 'does not match' },
  code: null,
};

/** An error the api sent has a message worth showing; a failed fetch or a proxy's error page does not. */
export function apiProblem(error: unknown): ApiProblem {
  if (!(error instanceof TRPCClientError) || !error.shape) {
    return { message: 'API unreachable', fields: {}, code: null };
  }
  const data = error.data as { code?: string; fields?: Record<string, string> } | undefined;
  const fields = data?.fields ?? {};
  // Invalid input: the per-field messages shown next to the fields say what is wrong, so the summary
  // only points at them instead of repeating the first one.
  const invalidInput = data?.code === 'BAD_REQUEST' && Object.keys(fields).length > 0;
  const message = invalidInput ? 'Check the fields marked below.' : error.message;
  return { message, fields, code: data?.code ?? null };
}
