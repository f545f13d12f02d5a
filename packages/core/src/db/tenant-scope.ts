/** Name of the ORM filter every tenant-scoped entity carries; on by default. */
export const TENANT_FILTER = 'tenant';

export interface TenantFilterParams {
  tenantId: number;
}

/**
 * The application layer of isolation: every read of a tenant-scoped entity is narrowed to the
 * tenant of the current unit of work. Without params MikroORM refuses the query, so forgetting
 * to open a tenant unit of work fails closed instead of reading every tenant.
 */
export const tenantFilter = {
  [TENANT_FILTER]: {
    name: TENANT_FILTER,
    cond: (params: TenantFilterParams) => ({ tenant: params.tenantId }),
    default: true,
  },
};
