import { z } from 'zod';
import type { Permission } from '../auth/permissions.js';
import type { Feature } from '../tenants/tiers.js';

/**
 * Domain events pushed to the dashboard. Each type names the permission a subscriber needs to
 * receive it, so a viewer never sees what their role could not read through a query.
 */
export const EVENT_PERMISSIONS = {
  'usage.updated': 'usage.read',
  'alert.raised': 'usage.read',
  'member.changed': 'users.read',
  'invitation.changed': 'users.read',
  'audit.appended': 'audit.read',
  'health.updated': 'analytics.read',
  'tenant.changed': 'tenant.read',
  'support.changed': 'support.open',
  'report.ready': 'analytics.read',
  'file.changed': 'files.read',
  'data.export.progress': 'data.export',
  // Every member may export their own data; PERSONAL_EVENTS keeps each to the member it concerns.
  'data.personal_export.progress': 'tenant.read',
} as const satisfies Record<string, Permission>;

export type DomainEventType = keyof typeof EVENT_PERMISSIONS;
export const DOMAIN_EVENT_TYPES = Object.keys(EVENT_PERMISSIONS) as DomainEventType[];

export const domainEventSchema = z.object({
  type: z.enum(DOMAIN_EVENT_TYPES as [DomainEventType, ...DomainEventType[]]),
  tenantId: z.number().int().positive(),
  /** Small, JSON-serializable facts; subscribers refetch details through queries they may call. */
  data: z.record(z.string(), z.unknown()),
  at: z.string(),
  /** The outbox entry the event was published from: the same id however often it was relayed. */
  eventId: z.string().optional(),
});
export type DomainEvent = z.infer<typeof domainEventSchema>;

/**
 * Events that tell of a feature's data reach only tenants that have the feature, like the queries
 * that read it: audit entries need audit_logs, whatever the role's permissions.
 */
export const EVENT_FEATURES: Partial<Record<DomainEventType, Feature>> = {
  'audit.appended': 'audit_logs',
  'report.ready': 'advanced_reporting',
};

/** Events about one member's own data, delivered only to the member named by the event's `userId`. */
export const PERSONAL_EVENTS: ReadonlySet<DomainEventType> = new Set(['data.personal_export.progress']);

/**
 * Whether a subscriber (user `userId`, or null for an API key without one) with these permissions,
 * in a tenant with these features, may receive an event.
 */
export function mayReceiveEvent(
  event: Pick<DomainEvent, 'type' | 'data'>,
  permissions: ReadonlySet<string>,
  features: Partial<Record<Feature, boolean>>,
  userId: string | null,
): boolean {
  const feature = EVENT_FEATURES[event.type];
  if (PERSONAL_EVENTS.has(event.type) && (userId === null || event.data.userId !== userId)) return false;
  return permissions.has(EVENT_PERMISSIONS[event.type]) && (feature === undefined || features[feature] === true);
}
