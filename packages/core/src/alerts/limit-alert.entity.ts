import { defineEntity, type InferEntity } from '@mikro-orm/core';
import { tenantFilter } from '../db/tenant-scope.js';
import { Tenant } from '../tenants/tenant.entity.js';

export const ALERT_LIMITS = ['seats', 'storage', 'api_calls'] as const;
export type AlertLimit = (typeof ALERT_LIMITS)[number];
export const ALERT_THRESHOLDS = [80, 95] as const;
export type AlertThreshold = (typeof ALERT_THRESHOLDS)[number];

/**
 * A raised usage alert. The primary key (tenant, limit, threshold, period) is what makes an alert
 * fire once per threshold and period however many workers evaluate it; `rearmedAt` is set when
 * usage falls back below the threshold, which allows the next crossing to raise a new alert.
 */
export const LimitAlert = defineEntity({
  name: 'LimitAlert',
  tableName: 'tenant_limit_alerts',
  filters: tenantFilter,
  properties: (p) => ({
    tenant: p.manyToOne(Tenant).primary(),
    limit: p.enum([...ALERT_LIMITS]).primary(),
    thresholdPercent: p.smallint().primary(),
    /** Start of the UTC hour in which the alert was raised. */
    periodStart: p.datetime().primary(),
    used: p.bigint('number'),
    max: p.bigint('number'),
    raisedAt: p.datetime(),
    rearmedAt: p.datetime().nullable(),
  }),
});
export type LimitAlertEntity = InferEntity<typeof LimitAlert>;
