import { defineEntity, type InferEntity } from '@mikro-orm/core';
import { uuidv7 } from '../db/ids.js';
import { tenantFilter } from '../db/tenant-scope.js';
import { Tenant } from '../tenants/tenant.entity.js';
import { User } from '../users/user.entity.js';

export const TICKET_STATUSES = ['open', 'resolved'] as const;
export type TicketStatus = (typeof TICKET_STATUSES)[number];

/** A support request of a tenant and, once resolved, the requester's 1–5 satisfaction rating. */
export const SupportTicket = defineEntity({
  name: 'SupportTicket',
  tableName: 'tenant_support_tickets',
  filters: tenantFilter,
  properties: (p) => ({
    tenant: p.manyToOne(Tenant).primary(),
    id: p
      .uuid()
      .primary()
      .onCreate(() => uuidv7()),
    openedBy: p.manyToOne(User).fieldName('opened_by_user_id').nullable().deleteRule('set null'),
    subject: p.string().length(200),
    status: p.enum([...TICKET_STATUSES]).default('open'),
    /** 1–5, given after resolution; null until rated. */
    satisfactionRating: p.smallint().nullable(),
    createdAt: p
      .datetime()
      .defaultRaw('now()')
      .onCreate(() => new Date()),
    resolvedAt: p.datetime().nullable(),
  }),
  indexes: [{ properties: ['tenant', 'createdAt'] }],
});
export type SupportTicketEntity = InferEntity<typeof SupportTicket>;
