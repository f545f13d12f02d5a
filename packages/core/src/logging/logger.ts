import { type Logger, pino } from 'pino';

export type { Logger };

export interface LoggerOptions {
  /**
   * Redact secrets that may sit in logged objects (default). false is for a logger whose lines are
   * built from known fields only (the api's line per request), where the redaction pass is pure cost.
   */
  redact?: boolean;
  /**
   * Gather lines and write them to stdout together, at least every `flushMs` (and at exit), instead
   * of one write per line: for the line per request, which under load would otherwise be a system
   * call per request. A crash may lose the last second of such lines, never anything else.
   */
  buffered?: { flushMs: number };
}

/** JSON logs on stdout; request and job code add requestId / tenantId with child loggers. */
export function createLogger(name: string, level: string, { redact = true, buffered }: LoggerOptions = {}): Logger {
  const options = {
    name,
    level,
    ...(redact && {
      redact: {
        paths: ['req.headers.authorization', 'req.headers.cookie', '*.password', '*.token', '*.secret'],
        censor: '[redacted]',
      },
    }),
  };
  if (!buffered || level === 'silent') return pino(options);
  const destination = pino.destination({ dest: 1, sync: false, minLength: 8 * 1024 });
  setInterval(() => destination.flush(), buffered.flushMs).unref();
  return pino(options, destination);
}
