import { TRPCClientError } from '@trpc/client';

/** What a form shows about a failed call: one message, and messages next to the fields named. */
export interface ApiProblem {
  message: string;
  fields: Record<string, string>;
  /** The tRPC code (UNAUTHORIZED, FORBIDDEN, …), or null when no api answered. */
  code: string | null;
  /** Machine-readable facts of a refusal, e.g. { reason: 'feature_not_available', requiredTier }. */
  details: Record<string, unknown>;
}

export const NO_PROBLEM: ApiProblem = { message: '', fields: {}, code: null, details: {} };

/** Checked in the browser because only it sees both copies; the api judges the password itself. */
export const PASSWORDS_DIFFER: ApiProblem = {
  message: 'The passwords do not match.',
  fields: { confirmation: 'does not match' },
  code: null,
  details: {},
};

/** An error the api sent has a message worth showing; a failed fetch or a proxy's error page does not. */
export function apiProblem(error: unknown): ApiProblem {
  if (!(error instanceof TRPCClientError) || !error.shape) {
    return { message: 'API unreachable', fields: {}, code: null, details: {} };
  }
  const data = error.data as
    | { code?: string; fields?: Record<string, string>; details?: Record<string, unknown> }
    | undefined;
  const fields = data?.fields ?? {};
  // Invalid input: the per-field messages shown next to the fields say what is wrong, so the summary
  // only points at them instead of repeating the first one.
  const invalidInput = data?.code === 'BAD_REQUEST' && Object.keys(fields).length > 0;
  const message = invalidInput ? 'Check the fields marked below.' : error.message;
  return { message, fields, code: data?.code ?? null, details: data?.details ?? {} };
}

/** The tier a refusal names when a feature is locked, or null for any other refusal. */
export function requiredTierOf(problem: ApiProblem): { tier: string; feature: string | null } | null {
  const { details } = problem;
  if (problem.code !== 'FORBIDDEN' || typeof details.requiredTier !== 'string') return null;
  const feature = typeof details.featureLabel === 'string' ? details.featureLabel : null;
  return { tier: details.requiredTier, feature };
}
