import { defineEntity, type InferEntity } from '@mikro-orm/core';
import { uuidv7 } from '../db/ids.js';
import { tenantFilter } from '../db/tenant-scope.js';
import { Tenant } from '../tenants/tenant.entity.js';
import { User } from '../users/user.entity.js';

export const TICKET_STATUSES = ['open', 'resolved'] as const;
export type TicketStatus = (typeof TICKET_STATUSES)[number];
export const TICKET_PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;
export type TicketPriority = (typeof TICKET_PRIORITIES)[number];

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
    body: p.text().default(''),
    priority: p.enum([...TICKET_PRIORITIES]).default('normal'),
    status: p.enum([...TICKET_STATUSES]).default('open'),
    assignedTo: p.manyToOne(User).fieldName('assigned_to_user_id').nullable().deleteRule('set null'),
    /** When support (an admin other than the opener, or an operator) first replied. */
    firstResponseAt: p.datetime().nullable(),
    /** 1–5, given after resolution; null until rated. */
    satisfactionRating: p.smallint().nullable(),
    createdAt: p
      .datetime()
      .defaultRaw('now()')
      .onCreate(() => new Date()),
    updatedAt: p
      .datetime()
      .defaultRaw('now()')
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
    resolvedAt: p.datetime().nullable(),
  }),
  indexes: [{ properties: ['tenant', 'createdAt'] }, { properties: ['tenant', 'status'] }],
});
export type SupportTicketEntity = InferEntity<typeof SupportTicket>;

/** One message in a ticket's conversation after its opening body. */
export const SupportTicketMessage = defineEntity({
  name: 'SupportTicketMessage',
  tableName: 'tenant_support_ticket_messages',
  filters: tenantFilter,
  properties: (p) => ({
    tenant: p.manyToOne(Tenant).primary(),
    id: p
      .uuid()
      .primary()
      .onCreate(() => uuidv7()),
    ticketId: p.uuid(),
    author: p.manyToOne(User).fieldName('author_user_id').nullable().deleteRule('set null'),
    /** Written by support (an admin or operator answering), not by the requester's side. */
    fromSupport: p.boolean(),
    body: p.text(),
    createdAt: p
      .datetime()
      .defaultRaw('now()')
      .onCreate(() => new Date()),
  }),
  indexes: [{ name: 'tenant_support_ticket_messages_ticket_index', properties: ['tenant', 'ticketId', 'createdAt'] }],
});
export type SupportTicketMessageEntity = InferEntity<typeof SupportTicketMessage>;
