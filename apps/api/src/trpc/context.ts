import type { Database } from '@digame/core/db';
import type { Logger } from '@digame/core/logging';
import type { Redis } from 'ioredis';

/** Long-lived dependencies of the api process, created once in main. */
export interface ApiDeps {
  db: Database;
  redis: Redis;
  logger: Logger;
}

/** Per-request context: dependencies plus what the transport knows about the caller. */
export interface RequestContext extends ApiDeps {
  requestId: string;
  ipAddress: string | null;
  userAgent: string | null;
}
