import type { EntityManager } from '@mikro-orm/postgresql';
import type { CredentialStore } from '../auth/credential-store.js';
import type { BillingProvider } from '../billing/billing-provider.js';
import type { Actor } from '../db/database.js';
import type { DomainEventType } from '../events/domain-events.js';
import type { EventPublisher } from '../events/event-bus.js';
import type { ObjectStore } from '../files/object-store.js';
import type { JobName, JobPayload } from '../jobs/definitions.js';
import type { EnqueueOptions, JobQueues } from '../jobs/queues.js';
import type { SettingsKeyring } from '../settings/settings-keyring.js';
import type { TenantDirectory } from '../tenants/tenant-directory.js';
import { enqueueAfterCommit, recordServiceEffect } from './effects.js';

/** Process-wide collaborators that core services use; built once by each app. */
export interface ServiceDeps {
  jobs: JobQueues;
  events: EventPublisher;
  tenants: TenantDirectory;
  /** Public URL of the dashboard, for links in emails. */
  appUrl: string;
  /** The Redis session and API-key records the request path reads (see auth/sessions.ts). */
  credentials: CredentialStore;
  /** Where subscription changes and invoices go; the built-in PostgreSQL ledger when absent. */
  billing?: BillingProvider;
  /** Where tenant files' bytes live (local disk or S3, see FILE_STORAGE). */
  files: ObjectStore;
  /** Encrypts secret tenant settings; without it secret settings are refused. */
  settingsKeys?: SettingsKeyring;
}

/**
 * What a core service receives: the unit of work's EntityManager (already scoped to one tenant),
 * who is acting, and side effects, each written to the outbox in the unit's transaction and run
 * once it commits (see services/effects.ts). Services never open transactions themselves.
 */
export interface TenantContext {
  em: EntityManager;
  tenantId: number;
  actor: Actor;
  deps: ServiceDeps;
  now: Date;
  /** Enqueue a job once the transaction commits. */
  enqueue<N extends JobName>(name: N, payload: JobPayload<N>, options?: EnqueueOptions): void;
  /** Publish a domain event to this tenant's stream once the transaction commits. */
  publish(type: DomainEventType, data?: Record<string, unknown>): void;
  /** Drop cached tenant facts in every process once the transaction commits. */
  invalidateTenantFacts(): void;
}

export function tenantContext(em: EntityManager, tenantId: number, actor: Actor, deps: ServiceDeps): TenantContext {
  return {
    em,
    tenantId,
    actor,
    deps,
    now: new Date(),
    enqueue: (name, payload, options) => enqueueAfterCommit(em, deps, name, payload, options),
    publish: (type, data = {}) => recordServiceEffect(em, deps, { kind: 'event.publish', payload: { type, data } }),
    invalidateTenantFacts: () => recordServiceEffect(em, deps, { kind: 'tenant_facts.invalidate', payload: {} }),
  };
}
