import { defineEntity, type InferEntity } from '@mikro-orm/core';
import { tenantFilter } from '../db/tenant-scope.js';
import { Tenant } from '../tenants/tenant.entity.js';

export const CHURN_RISK_BANDS = ['low', 'medium', 'high'] as const;
export type ChurnRiskBand = (typeof CHURN_RISK_BANDS)[number];

/** One score per tenant and UTC day (a re-run that day replaces it), so the history is a daily series. */
export const TenantHealthScore = defineEntity({
  name: 'TenantHealthScore',
  tableName: 'tenant_health_scores',
  filters: tenantFilter,
  properties: (p) => ({
    tenant: p.manyToOne(Tenant).primary(),
    scoredOn: p.date().primary(),
    /** 0–100, two decimals. */
    score: p.decimal('number').precision(5).scale(2),
    churnRisk: p.enum([...CHURN_RISK_BANDS]),
    /** Each component's value (0–1) and the inputs it came from, so a score can be explained. */
    components: p.json<Record<string, unknown>>(),
    computedAt: p.datetime(),
  }),
});
export type TenantHealthScoreEntity = InferEntity<typeof TenantHealthScore>;
