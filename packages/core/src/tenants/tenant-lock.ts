import type { EntityManager } from '@mikro-orm/postgresql';
import { Tenant, type TenantEntity } from './tenant.entity.js';

/**
 * Locks the tenant row for the rest of the transaction and returns it freshly read, so checks of
 * concurrent writers in one tenant (seats, plan changes, trial expiry) happen one after another.
 *
 * FOR NO KEY UPDATE, not FOR UPDATE: every insert into a tenant-scoped table checks its foreign key
 * to this row with FOR KEY SHARE. FOR UPDATE conflicts with that, so a writer holding the tenant
 * row and waiting for the audit chain's row deadlocked with a writer holding the chain row (its
 * audit entry inserted) whose next insert waited for the tenant row. FOR NO KEY UPDATE still
 * serializes the writers that lock the tenant, and lets foreign key checks through.
 */
export async function lockTenantRow(em: EntityManager, tenantId: number): Promise<TenantEntity> {
  await em.execute('select 1 from tenants where id = ? for no key update', [tenantId]);
  return em.findOneOrFail(Tenant, { id: tenantId }, { refresh: true });
}
