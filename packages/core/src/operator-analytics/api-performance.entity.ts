import { defineEntity, type InferEntity } from '@mikro-orm/core';
import { tenantFilter } from '../db/tenant-scope.js';
import { Tenant } from '../tenants/tenant.entity.js';

/**
 * A tenant's API calls in one UTC hour: how many, how many were refused (4xx) or failed (5xx), and
 * how many fell in each latency bucket (LATENCY_BUCKETS_MS, then one for slower). Copied from
 * Redis by the worker; kept here rather than as a Prometheus label per tenant.
 */
export const TenantApiPerformance = defineEntity({
  name: 'TenantApiPerformance',
  tableName: 'tenant_api_performance',
  filters: tenantFilter,
  properties: (p) => ({
    tenant: p.manyToOne(Tenant).primary(),
    hourStart: p.datetime().primary(),
    calls: p.integer(),
    clientErrors: p.integer(),
    serverErrors: p.integer(),
    latencyBuckets: p.json<number[]>(),
    updatedAt: p.datetime(),
  }),
  // The platform-wide view reads one window of hours across every tenant.
  indexes: [{ properties: ['hourStart'] }],
});
export type TenantApiPerformanceEntity = InferEntity<typeof TenantApiPerformance>;
