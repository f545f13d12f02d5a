import { DomainError } from './domain-error.js';

export type Dependency = 'postgres' | 'redis';

/** How long a client should wait before retrying a call refused during an outage. */
export const OUTAGE_RETRY_AFTER_SECONDS = 5;

/** Names and messages of ioredis failures when the server cannot be reached (see redis/client.ts). */
const REDIS_NAMES = new Set(['MaxRetriesPerRequestError', 'ConnectionClosedError']);
const REDIS_MESSAGES = ["Stream isn't writeable", 'Connection is closed', 'Reached the max retries per request'];
/**
 * PostgreSQL's SQLSTATEs for a lost or refused connection (class 08) and a server going away
 * (57P01 admin shutdown, 57P02 crash shutdown, 57P03 cannot connect now), and the socket errors
 * node-postgres passes on when the server is not there.
 */
const POSTGRES_CODES = new Set(['57P01', '57P02', '57P03', 'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT']);
const POSTGRES_MESSAGES = [
  'Connection terminated',
  'Timeout acquiring a connection',
  'Client has encountered a connection error',
  // knex's refusal of the next query of a transaction that a lost connection has already ended.
  'Transaction query already complete',
];

/** Which dependency an error says is unreachable, looking through wrapped causes; null if none. */
export function unreachableDependency(error: unknown): Dependency | null {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current && typeof current === 'object'; depth++) {
    const { name, message, code } = current as { name?: unknown; message?: unknown; code?: unknown };
    const text = typeof message === 'string' ? message : '';
    if ((typeof name === 'string' && REDIS_NAMES.has(name)) || REDIS_MESSAGES.some((m) => text.includes(m))) {
      return 'redis';
    }
    if (typeof code === 'string' && (code.startsWith('08') || POSTGRES_CODES.has(code))) return 'postgres';
    if (POSTGRES_MESSAGES.some((m) => text.includes(m))) return 'postgres';
    current =
      (current as { cause?: unknown; previous?: unknown }).cause ?? (current as { previous?: unknown }).previous;
  }
  return null;
}

const LABELS: Record<Dependency, string> = { postgres: 'the database', redis: 'the session and queue store' };

/**
 * The answer to a call that needed a dependency that is down: 503 with Retry-After, naming what is
 * down but nothing of the failure itself. Null when the error is not an outage.
 */
export function outageError(error: unknown): DomainError | null {
  const dependency = unreachableDependency(error);
  if (!dependency) return null;
  return new DomainError(
    'SERVICE_UNAVAILABLE',
    `Temporarily unavailable: ${LABELS[dependency]} cannot be reached; retry shortly`,
    {
      retryAfterSeconds: OUTAGE_RETRY_AFTER_SECONDS,
      details: { reason: 'dependency_unavailable', dependency },
    },
  );
}
