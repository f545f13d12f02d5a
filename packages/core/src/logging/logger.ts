import { type Logger, pino } from 'pino';

export type { Logger };

/** JSON logs on stdout; request and job code add requestId / tenantId with child loggers. */
export function createLogger(name: string, level: string): Logger {
  return pino({
    name,
    level,
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', '*.password', '*.token', '*.secret'],
      censor: '[redacted]',
    },
  });
}
