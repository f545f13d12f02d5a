import type { Actor, Database } from '../db/database.js';
import { type ServiceDeps, type TenantContext, tenantContext } from '../services/context.js';
import { Tenant, type TenantEntity } from '../tenants/tenant.entity.js';
import { PermanentJobError } from './errors.js';

/** Jobs act as the system: audit entries they write carry no user. */
export const SYSTEM_ACTOR: Actor = { userId: null, ipAddress: null, userAgent: 'digame-worker' };

/**
 * Opens the unit of work of a job's tenant. The tenant id comes from the payload, so it is checked
 * against the database first: an unknown tenant is a permanent failure, not something to retry.
 */
export async function inJobTenant<T>(
  deps: { db: Database; services: ServiceDeps },
  tenantId: number,
  work: (ctx: TenantContext, tenant: TenantEntity) => Promise<T>,
): Promise<T> {
  return deps.db.inTenant(tenantId, async (em) => {
    const tenant = await em.findOne(Tenant, { id: tenantId });
    if (!tenant) throw new PermanentJobError('unknown tenant');
    return work(tenantContext(em, tenantId, SYSTEM_ACTOR, deps.services), tenant);
  });
}

/** Ids of every tenant, in order, for scheduled jobs that fan out per tenant. */
export async function allTenantIds(db: Database, options: { activeOnly?: boolean } = {}): Promise<number[]> {
  return db.inGlobal(async (em) => {
    const rows = await em.execute<{ id: number }[]>(
      `select id from tenants ${options.activeOnly ? 'where is_active' : ''} order by id`,
    );
    return rows.map((row) => Number(row.id));
  });
}
