import type { AccessTokens, IdentityDeps } from '@digame/core/auth';
import type { Database } from '@digame/core/db';
import type { EventPublisher } from '@digame/core/events';
import type { JobQueues } from '@digame/core/jobs';
import type { Logger } from '@digame/core/logging';
import type { ApiPerformanceRecorder } from '@digame/core/operator-analytics';
import type { RequestGate } from '@digame/core/request';
import type { ServiceDeps } from '@digame/core/services';
import type { SelfServeSignups, TenantDirectory } from '@digame/core/tenants';
import type { LiveApiCalls } from '@digame/core/usage';
import type { Redis } from 'ioredis';
import type { ApiConfig } from '../config.js';
import type { Caller } from '../request/caller.js';

/** Long-lived dependencies of the api process, created once (see deps.ts). */
export interface ApiDeps {
  config: ApiConfig;
  db: Database;
  redis: Redis;
  logger: Logger;
  tenants: TenantDirectory;
  jobs: JobQueues;
  events: EventPublisher;
  tokens: AccessTokens;
  gate: RequestGate;
  /** Coalesces counted API calls into at most one `usage.updated` per watched tenant per second. */
  liveApiCalls: LiveApiCalls;
  /** Counts each tenant's calls, errors and latency in memory; flushed to Redis every few seconds. */
  apiPerformance: ApiPerformanceRecorder;
  /** The collaborators core services receive through their TenantContext. */
  services: ServiceDeps;
  /** Sign-in, sessions, MFA, account flows, and the self-serve sign-up throttle. */
  identity: IdentityDeps & { signups: SelfServeSignups };
}

/** Per-request context: dependencies, what the transport knows, and the authenticated caller. */
export interface RequestContext extends ApiDeps {
  requestId: string;
  ipAddress: string | null;
  userAgent: string | null;
  caller: Caller;
  /** The request's Cookie header (the refresh-token cookie is read from it). */
  cookieHeader: string | null;
  /** Response headers a procedure wants set (e.g. a refresh-token cookie). */
  responseHeaders: Headers;
}
