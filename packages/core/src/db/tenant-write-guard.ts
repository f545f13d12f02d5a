import type { EventSubscriber, FlushEventArgs } from '@mikro-orm/core';
import { TENANT_FILTER, type TenantFilterParams } from './tenant-scope.js';

/** A write of a tenant-scoped entity outside its own tenant's unit of work. */
export class CrossTenantWriteError extends Error {
  constructor(entity: string) {
    super(`refused to write ${entity} outside its tenant's unit of work`);
    this.name = 'CrossTenantWriteError';
  }
}

/**
 * The ORM filter only narrows reads; this closes the application layer for writes: every flushed
 * change to a tenant-scoped entity must belong to the tenant of the unit of work doing the flush.
 */
export class TenantWriteGuard implements EventSubscriber {
  onFlush({ em, uow }: FlushEventArgs): void {
    const params = em.getFilterParams<TenantFilterParams>(TENANT_FILTER) as TenantFilterParams | undefined;
    for (const changeSet of uow.getChangeSets()) {
      if (!changeSet.meta.filters[TENANT_FILTER]) continue;
      const tenant = (changeSet.entity as { tenant?: { id?: number } | number }).tenant;
      const tenantId = typeof tenant === 'object' ? tenant?.id : tenant;
      if (params === undefined || tenantId !== params.tenantId) {
        throw new CrossTenantWriteError(changeSet.name);
      }
    }
  }
}
