import { defineEntity, type InferEntity } from '@mikro-orm/core';
import { tenantFilter } from '../db/tenant-scope.js';
import { Tenant } from '../tenants/tenant.entity.js';

export const USAGE_METRICS = ['api_calls', 'seats', 'storage_bytes'] as const;
export type UsageMetric = (typeof USAGE_METRICS)[number];

/**
 * One hour of one metric for one tenant. The natural key makes flushing counters an idempotent
 * upsert: the same hour and metric always land on the same row.
 */
export const UsageRecord = defineEntity({
  name: 'UsageRecord',
  tableName: 'tenant_usage_records',
  filters: tenantFilter,
  properties: (p) => ({
    tenant: p.manyToOne(Tenant).primary(),
    metric: p.enum([...USAGE_METRICS]).primary(),
    /** Start of the UTC hour the quantity belongs to. */
    periodStart: p.datetime().primary(),
    /** Counted metrics (api_calls) sum over the hour; gauges (seats, storage) hold the hour's peak. */
    quantity: p.bigint('number').default(0),
    updatedAt: p
      .datetime()
      .defaultRaw('now()')
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
  }),
});

export type UsageRecordEntity = InferEntity<typeof UsageRecord>;
