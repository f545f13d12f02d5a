import { TRPCClientError } from '@trpc/client';

/** What a form shows about a failed call: one message, and messages next to the fields named. */
export interface ApiProblem {
  message: string;
  fields: Record<string, string>;
  /** The tRPC code (UNAUTHORIZED, FORBIDDEN, …), or null when no api answered. */
  code: string | null;
}

export const NO_PROBLEM: ApiProblem = { message: '', fields: {}, code: null };

/** An error the api sent has a message worth showing; a failed fetch or a proxy's error page does not. */
export function apiProblem(error: unknown): ApiProblem {
  if (!(error instanceof TRPCClientError) || !error.shape) {
    return { message: 'API unreachable', fields: {}, code: null };
  }
  const data = error.data as { code?: string; fields?: Record<string, string> } | undefined;
  const fields = data?.fields ?? {};
  // Input validation failures carry the validator's raw issue list as their message: the per-field
  // messages say the same thing readably, so the summary only points at them.
  const raw = error.message.trimStart().startsWith('[');
  const message = raw && Object.keys(fields).length > 0 ? 'Check the fields marked below.' : error.message;
  return { message, fields, code: data?.code ?? null };
}
