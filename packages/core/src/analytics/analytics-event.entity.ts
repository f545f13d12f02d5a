import { defineEntity, type InferEntity } from '@mikro-orm/core';
import { uuidv7 } from '../db/ids.js';
import { tenantFilter } from '../db/tenant-scope.js';
import { Tenant } from '../tenants/tenant.entity.js';
import { User } from '../users/user.entity.js';

/** Product analytics: which member used which feature, feeding adoption and health scores. */
export const AnalyticsEvent = defineEntity({
  name: 'AnalyticsEvent',
  tableName: 'analytics_events',
  filters: tenantFilter,
  properties: (p) => ({
    tenant: p.manyToOne(Tenant).primary(),
    id: p
      .uuid()
      .primary()
      .onCreate(() => uuidv7()),
    user: p.manyToOne(User).nullable().deleteRule('set null'),
    eventType: p.string().length(100),
    eventData: p.json<Record<string, unknown>>().default('{}'),
    createdAt: p
      .datetime()
      .defaultRaw('now()')
      .onCreate(() => new Date()),
  }),
  indexes: [{ properties: ['tenant', 'eventType', 'createdAt'] }],
});

export type AnalyticsEventEntity = InferEntity<typeof AnalyticsEvent>;
