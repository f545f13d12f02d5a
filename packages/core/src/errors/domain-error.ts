/**
 * The one error type services throw for expected failures. The api maps it to a tRPC/HTTP code in a
 * single place; anything else is an unexpected error and is answered without internals.
 */
export const DOMAIN_ERROR_CODES = [
  'BAD_REQUEST',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'NOT_FOUND',
  'CONFLICT',
  'PRECONDITION_FAILED',
  'PAYLOAD_TOO_LARGE',
  'TOO_MANY_REQUESTS',
  /** PostgreSQL or Redis is unreachable: nothing was done, and retrying later will work. */
  'SERVICE_UNAVAILABLE',
] as const;
export type DomainErrorCode = (typeof DOMAIN_ERROR_CODES)[number];

export interface DomainErrorOptions {
  /** Field-level messages for BAD_REQUEST, keyed by input path. */
  fields?: Record<string, string>;
  /** Machine-readable facts a client can act on (e.g. the tier that unlocks a feature). */
  details?: Record<string, unknown>;
  /** Seconds until a throttled call may be retried. */
  retryAfterSeconds?: number;
}

export class DomainError extends Error {
  readonly fields?: Record<string, string>;
  readonly details?: Record<string, unknown>;
  readonly retryAfterSeconds?: number;

  constructor(
    readonly code: DomainErrorCode,
    message: string,
    options: DomainErrorOptions = {},
  ) {
    super(message);
    this.name = 'DomainError';
    this.fields = options.fields;
    this.details = options.details;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}
