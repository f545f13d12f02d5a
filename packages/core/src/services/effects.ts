import type { EntityManager } from '@mikro-orm/postgresql';
import type { ApiKeyRecord } from '../auth/credentials.js';
import { effectivePermissions } from '../auth/permissions.js';
import type { Database } from '../db/database.js';
import { beforeCommit, type OutboxEntry, recordEffect } from '../db/outbox.js';
import type { DomainEventType } from '../events/domain-events.js';
import { JOBS, type JobName, type JobPayload } from '../jobs/definitions.js';
import type { EnqueueOptions } from '../jobs/queues.js';
import { TenantUser } from '../members/tenant-user.entity.js';
import type { ServiceDeps } from './context.js';

/**
 * Every kind of side effect a unit of work can have, as stored in the outbox. Each is safe to run
 * twice: jobs get a deterministic id, events a dedupe key from the entry id, cache drops and
 * credential deletions are idempotent, and session permissions are read afresh when synced.
 */
export type ServiceEffect =
  | { kind: 'job.enqueue'; payload: { name: JobName; data: unknown; options: EnqueueOptions } }
  | { kind: 'event.publish'; payload: { type: DomainEventType; data: Record<string, unknown> } }
  | { kind: 'tenant_facts.invalidate'; payload: Record<string, never> }
  | { kind: 'sessions.revoke'; payload: { userId: string; sessionIds: string[]; allOfMember: boolean } }
  | { kind: 'sessions.sync'; payload: { userId: string } }
  | { kind: 'api_key.put'; payload: ApiKeyRecord }
  | { kind: 'api_key.revoke'; payload: { keyId: string; expiresAt: number | null } }
  | { kind: 'sign_in.unlock'; payload: { account: string } };

/** Records an effect in the unit of work's outbox; it runs after commit (see db/outbox.ts). */
export function recordServiceEffect(em: EntityManager, deps: ServiceDeps, effect: ServiceEffect): void {
  recordEffect(em, effect, (entry, db) => runServiceEffect(deps, entry, db));
}

/** Enqueue a job once the unit of work commits, whatever happens to this process meanwhile. */
export function enqueueAfterCommit<N extends JobName>(
  em: EntityManager,
  deps: ServiceDeps,
  name: N,
  payload: JobPayload<N>,
  options: EnqueueOptions = {},
): void {
  // Checked now, so a bad payload fails the unit of work instead of a retry loop in the outbox.
  const data = JOBS[name].payload.parse(payload);
  recordServiceEffect(em, deps, { kind: 'job.enqueue', payload: { name, data, options } });
}

/**
 * A revocation holds from the moment it commits: the Redis records are deleted (and tombstoned)
 * before the transaction commits, so a credential PostgreSQL calls revoked is already refused by
 * the request gate, with no PostgreSQL read on the request path. If Redis cannot be reached the
 * unit of work fails and nothing is revoked; if the commit fails after the deletion, the credential
 * stays refused (failing closed). The outbox repeats the deletion after commit, which undoes a
 * write that raced this one.
 */
export function revokeWithUnitOfWork(
  em: EntityManager,
  deps: ServiceDeps,
  effect: Extract<ServiceEffect, { kind: 'sessions.revoke' | 'api_key.revoke' }>,
  tenantId: number,
): void {
  const entry: OutboxEntry = { id: '', tenantId, ...effect };
  beforeCommit(em, () => runServiceEffect(deps, entry, null));
  recordServiceEffect(em, deps, effect);
}

function requireTenant(entry: OutboxEntry): number {
  if (entry.tenantId === null) throw new Error(`effect ${entry.kind} needs a tenant unit of work`);
  return entry.tenantId;
}

/** What one outbox entry does; the relay and the sweeper both run entries through here. */
export async function runServiceEffect(deps: ServiceDeps, entry: OutboxEntry, db: Database | null): Promise<void> {
  const effect = { kind: entry.kind, payload: entry.payload } as ServiceEffect;
  switch (effect.kind) {
    case 'job.enqueue': {
      const { name, data, options } = effect.payload;
      await deps.jobs.enqueue(name, data as JobPayload<typeof name>, {
        ...options,
        jobId: options.jobId ?? `outbox-${entry.id}`,
      });
      return;
    }
    case 'event.publish':
      await deps.events.publish(requireTenant(entry), effect.payload.type, effect.payload.data, {
        eventId: entry.id,
      });
      return;
    case 'tenant_facts.invalidate':
      await deps.tenants.invalidate(requireTenant(entry));
      return;
    case 'sessions.revoke': {
      const { userId, sessionIds, allOfMember } = effect.payload;
      await deps.credentials.revokeSessions(requireTenant(entry), userId, sessionIds, { allOfMember });
      return;
    }
    case 'sessions.sync': {
      if (!db) throw new Error('sessions.sync reads the membership and needs the database');
      await syncMemberSessions(deps, db, requireTenant(entry), effect.payload.userId);
      return;
    }
    case 'api_key.put':
      await deps.credentials.putApiKey(effect.payload);
      return;
    case 'api_key.revoke':
      await deps.credentials.revokeApiKey(effect.payload.keyId, effect.payload.expiresAt);
      return;
    case 'sign_in.unlock':
      await deps.credentials.clearSignInThrottle(effect.payload.account);
      return;
    default:
      throw new Error(`unknown outbox effect kind "${entry.kind}"`);
  }
}

/**
 * Brings a member's live sessions in line with the membership as it is now in PostgreSQL, not as
 * it was when the change was recorded: run late or twice, it still writes the latest role.
 */
async function syncMemberSessions(deps: ServiceDeps, db: Database, tenantId: number, userId: string): Promise<void> {
  const grants = await db.inTenant(tenantId, async (em) => {
    const membership = await em.findOne(TenantUser, { user: userId }, { populate: ['user'] });
    if (!membership?.isActive || !membership.user.isActive) return null;
    return { role: membership.role, permissions: [...effectivePermissions(membership.role, membership.permissions)] };
  });
  if (!grants) {
    await deps.credentials.revokeSessions(tenantId, userId, [], { allOfMember: true });
    return;
  }
  await deps.credentials.rewriteMemberSessions(tenantId, userId, (record) => ({ ...record, ...grants }));
}
