import { type Logger, pino } from 'pino';

export type { Logger };

/**
 * JSON logs on stdout; request and job code add requestId / tenantId with child loggers. Secrets
 * that may sit in logged objects are redacted; `redact: false` is for a logger whose lines are
 * built from known fields only (the api's line per request), where the redaction pass is pure cost.
 */
export function createLogger(name: string, level: string, { redact = true } = {}): Logger {
  return pino({
    name,
    level,
    ...(redact && {
      redact: {
        paths: ['req.headers.authorization', 'req.headers.cookie', '*.password', '*.token', '*.secret'],
        censor: '[redacted]',
      },
    }),
  });
}
