import { defineEntity, type InferEntity } from '@mikro-orm/core';
import { tenantFilter } from '../db/tenant-scope.js';
import { Tenant } from '../tenants/tenant.entity.js';

export const DELIVERY_STATUSES = ['sending', 'sent'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/**
 * One row per cause of an email (its dedupe key). The row is claimed before the SMTP hand-off and
 * confirmed after it, so a retried or duplicated job finds it and never sends again; see
 * mail/deliveries.ts for the claim/send/confirm order.
 */
export const TenantEmailDelivery = defineEntity({
  name: 'TenantEmailDelivery',
  tableName: 'tenant_email_deliveries',
  filters: tenantFilter,
  properties: (p) => ({
    tenant: p.manyToOne(Tenant).primary(),
    dedupeKey: p.string().length(200).primary(),
    template: p.string().length(50),
    recipient: p.string().length(255),
    status: p.enum([...DELIVERY_STATUSES]),
    /** The BullMQ job (id and start count) holding the claim. */
    claimedByJob: p.string().length(200),
    claimAttempt: p.integer(),
    claimedAt: p.datetime(),
    /** Message-ID header, derived from the dedupe key so a resend after a crash is recognisably the same message. */
    messageId: p.string().length(255),
    sentAt: p.datetime().nullable(),
  }),
});
export type TenantEmailDeliveryEntity = InferEntity<typeof TenantEmailDelivery>;

/**
 * Account-level mail (password reset) belongs to a global identity, not to a tenant: the user may
 * belong to several tenants or none, and filing it under one of them would show one tenant's admins
 * another tenant's member's mail. So its records live in this global table (a Citus reference table;
 * written at password-reset rate only). Same columns and protocol as TenantEmailDelivery.
 */
export const AccountEmailDelivery = defineEntity({
  name: 'AccountEmailDelivery',
  tableName: 'account_email_deliveries',
  properties: (p) => ({
    dedupeKey: p.string().length(200).primary(),
    template: p.string().length(50),
    recipient: p.string().length(255),
    status: p.enum([...DELIVERY_STATUSES]),
    claimedByJob: p.string().length(200),
    claimAttempt: p.integer(),
    claimedAt: p.datetime(),
    messageId: p.string().length(255),
    sentAt: p.datetime().nullable(),
  }),
});
export type AccountEmailDeliveryEntity = InferEntity<typeof AccountEmailDelivery>;
