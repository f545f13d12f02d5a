import { defineEntity, type InferEntity } from '@mikro-orm/core';
import { tenantFilter } from '../db/tenant-scope.js';
import { Tenant } from '../tenants/tenant.entity.js';

/** The generated PDF of a tenant's monthly report; generating a month again replaces it. */
export const MonthlyReportFile = defineEntity({
  name: 'MonthlyReportFile',
  tableName: 'tenant_monthly_reports',
  filters: tenantFilter,
  properties: (p) => ({
    tenant: p.manyToOne(Tenant).primary(),
    /** `YYYY-MM`, UTC. */
    month: p.string().length(7).primary(),
    pdf: p.blob(),
    byteSize: p.integer(),
    generatedAt: p.datetime(),
  }),
});
export type MonthlyReportFileEntity = InferEntity<typeof MonthlyReportFile>;
