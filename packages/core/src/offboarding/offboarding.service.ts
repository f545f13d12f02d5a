import { LockMode } from '@mikro-orm/core';
import { z } from 'zod';
import { audit } from '../audit/audit.js';
import { DomainError } from '../errors/domain-error.js';
import { tenantAdmins } from '../mail/recipients.js';
import type { TenantContext } from '../services/context.js';
import { TenantSetting } from '../settings/setting.entity.js';
import { Tenant, type TenantEntity } from '../tenants/tenant.entity.js';
import { TenantOffboarding, type TenantOffboardingEntity } from './offboarding.entity.js';

const DAY_MS = 86_400_000;

/** Where a tenant keeps its retention period (general.deletionRetentionDays, 7 to 90 days). */
export const DELETION_RETENTION_SETTING = { category: 'general', key: 'deletionRetentionDays' } as const;
export const DEFAULT_DELETION_RETENTION_DAYS = 30;
/** The second notice goes out this many days before the deletion. */
export const FINAL_NOTICE_DAYS = 3;

export const scheduleDeletionSchema = z.strictObject({
  reason: z.string().trim().min(3, 'say why (at least 3 characters)').max(500, 'at most 500 characters'),
  /** The organization's slug, typed by hand: deleting an organization is never one stray click. */
  confirmation: z.string().trim().min(1, 'type the organization’s slug to confirm').max(100),
});
export type ScheduleDeletion = z.infer<typeof scheduleDeletionSchema>;

export interface DeletionScheduleView {
  requestedAt: Date;
  requestedByOperator: boolean;
  reason: string;
  /** Read-only from here on. */
  suspendAt: Date;
  deleteAt: Date;
  retentionDays: number;
  noticeSentAt: Date | null;
  finalNoticeSentAt: Date | null;
  /** The worker has started deleting: too late to cancel. */
  deleting: boolean;
}

export interface OffboardingView {
  /** The active schedule, or null when the organization is not scheduled for deletion. */
  schedule: DeletionScheduleView | null;
  /** The retention period a schedule made now would get. */
  retentionDays: number;
  /** What the typed confirmation must say. */
  confirmationText: string;
}

const formatDay = (date: Date) => new Intl.DateTimeFormat('en', { dateStyle: 'long', timeZone: 'UTC' }).format(date);

/**
 * Why a change is refused while the tenant waits for its deletion, or null. Every mutation but the
 * few that must stay possible (cancel the deletion, export the data, sign out, end sessions) is
 * refused with it; reads go on as before.
 */
export function offboardingRefusal(tenant: { scheduledDeletionAt: string | null }): DomainError | null {
  if (tenant.scheduledDeletionAt === null) return null;
  const deleteAt = new Date(tenant.scheduledDeletionAt);
  return new DomainError(
    'PRECONDITION_FAILED',
    `This organization is scheduled for deletion on ${formatDay(deleteAt)} and is read-only until then. An admin can export its data or cancel the deletion in Settings.`,
    { details: { reason: 'tenant_offboarding', deleteAt: deleteAt.toISOString() } },
  );
}

const isActive = (row: TenantOffboardingEntity | null): row is TenantOffboardingEntity =>
  row !== null && !row.cancelledAt;

function toScheduleView(row: TenantOffboardingEntity): DeletionScheduleView {
  return {
    requestedAt: row.requestedAt,
    requestedByOperator: row.requestedByOperator,
    reason: row.reason,
    suspendAt: row.suspendAt,
    deleteAt: row.deleteAt,
    retentionDays: row.retentionDays,
    noticeSentAt: row.noticeSentAt ?? null,
    finalNoticeSentAt: row.finalNoticeSentAt ?? null,
    deleting: Boolean(row.purgeStartedAt),
  };
}

async function retentionDaysOf(ctx: TenantContext): Promise<number> {
  const setting = await ctx.em.findOne(TenantSetting, DELETION_RETENTION_SETTING);
  const days = setting?.value;
  return typeof days === 'number' && Number.isInteger(days) ? days : DEFAULT_DELETION_RETENTION_DAYS;
}

const lockTenant = (ctx: TenantContext) =>
  ctx.em.findOneOrFail(Tenant, { id: ctx.tenantId }, { lockMode: LockMode.PESSIMISTIC_WRITE });

const lockSchedule = (ctx: TenantContext) =>
  ctx.em.findOne(TenantOffboarding, { tenant: ctx.tenantId }, { lockMode: LockMode.PESSIMISTIC_WRITE });

export async function getOffboarding(ctx: TenantContext): Promise<OffboardingView> {
  const tenant = await ctx.em.findOneOrFail(Tenant, { id: ctx.tenantId });
  const row = await ctx.em.findOne(TenantOffboarding, { tenant: ctx.tenantId });
  return {
    schedule: isActive(row) ? toScheduleView(row) : null,
    retentionDays: await retentionDaysOf(ctx),
    confirmationText: tenant.slug,
  };
}

type Notice = 'scheduled' | 'final' | 'cancelled';

/** One email per admin and cause (the schedule's request time keys it), through the outbox. */
async function notifyAdmins(ctx: TenantContext, tenant: TenantEntity, row: TenantOffboardingEntity, notice: Notice) {
  const name = tenant.name;
  const day = formatDay(row.deleteAt);
  const daysLeft = Math.max(1, Math.ceil((row.deleteAt.getTime() - ctx.now.getTime()) / DAY_MS));
  const text: Record<Notice, { subject: string; message: string }> = {
    scheduled: {
      subject: `${name} is scheduled for deletion on ${day}`,
      message: `${name} is scheduled for deletion on ${day}. Until then it is read-only: members can still sign in and read everything, and an admin can export its data or cancel the deletion in Settings. On ${day} every member, file, setting and record of ${name} is deleted for good.`,
    },
    final: {
      subject: `${name} will be deleted on ${day}`,
      message: `${name} will be deleted on ${day}, in ${daysLeft} day${daysLeft === 1 ? '' : 's'}. Export what you want to keep now; an admin can still cancel the deletion in Settings until then.`,
    },
    cancelled: {
      subject: `The deletion of ${name} was cancelled`,
      message: `The deletion of ${name} planned for ${day} was cancelled. The organization is back to normal and nothing was lost.`,
    },
  };
  for (const admin of await tenantAdmins(ctx.em, tenant)) {
    const dedupeKey = `offboarding-${notice}:${row.requestedAt.toISOString()}:${admin.id}`;
    ctx.enqueue(
      'email.send',
      {
        tenantId: tenant.id,
        to: admin.email,
        dedupeKey,
        template: 'offboarding',
        data: { tenantName: name, ...text[notice], actionUrl: `${ctx.deps.appUrl}/settings` },
      },
      { jobId: `email:${tenant.tenantUuid}:${dedupeKey}` },
    );
  }
}

function offboardingChanged(ctx: TenantContext, change: string): void {
  ctx.invalidateTenantFacts();
  ctx.publish('tenant.changed', { change });
}

/**
 * Schedules the tenant's deletion after its retention period. The tenant turns read-only at once
 * (every api node drops its cached facts after commit) and its admins get the notice. Scheduling
 * again after a cancellation starts a new period.
 */
export async function scheduleDeletion(
  ctx: TenantContext,
  input: ScheduleDeletion,
  options: { byOperator: boolean },
): Promise<OffboardingView> {
  const tenant = await lockTenant(ctx);
  if (input.confirmation !== tenant.slug) {
    throw new DomainError('BAD_REQUEST', 'The confirmation does not match the organization', {
      fields: { confirmation: `type ${tenant.slug} to confirm` },
    });
  }
  const existing = await lockSchedule(ctx);
  if (isActive(existing)) {
    throw new DomainError(
      'CONFLICT',
      `This organization is already scheduled for deletion on ${formatDay(existing.deleteAt)}`,
      {
        details: { reason: 'deletion_already_scheduled', deleteAt: existing.deleteAt.toISOString() },
      },
    );
  }
  const retentionDays = await retentionDaysOf(ctx);
  const schedule = {
    requestedByUserId: ctx.actor.userId,
    requestedByOperator: options.byOperator,
    reason: input.reason,
    requestedAt: ctx.now,
    suspendAt: ctx.now,
    deleteAt: new Date(ctx.now.getTime() + retentionDays * DAY_MS),
    retentionDays,
    noticeSentAt: ctx.now,
    finalNoticeSentAt: null,
    purgeStartedAt: null,
    cancelledAt: null,
    cancelledByUserId: null,
  };
  const row = existing
    ? Object.assign(existing, schedule)
    : ctx.em.create(TenantOffboarding, { tenant: ctx.tenantId, ...schedule });
  audit(ctx, {
    action: 'tenant.deletion_scheduled',
    resourceType: 'tenant',
    resourceId: tenant.tenantUuid,
    details: {
      reason: input.reason,
      byOperator: options.byOperator,
      retentionDays,
      deleteAt: row.deleteAt.toISOString(),
    },
  });
  await notifyAdmins(ctx, tenant, row, 'scheduled');
  offboardingChanged(ctx, 'deletion_scheduled');
  return getOffboarding(ctx);
}

/** Cancels a scheduled deletion before the worker starts it: the tenant is exactly as it was. */
export async function cancelDeletion(ctx: TenantContext): Promise<OffboardingView> {
  const tenant = await lockTenant(ctx);
  // The worker's claim locks this row too: either it sees the cancellation, or this sees the claim.
  const row = await lockSchedule(ctx);
  if (!isActive(row)) {
    throw new DomainError('PRECONDITION_FAILED', 'This organization is not scheduled for deletion', {
      details: { reason: 'deletion_not_scheduled' },
    });
  }
  if (row.purgeStartedAt) {
    throw new DomainError('PRECONDITION_FAILED', 'The deletion of this organization is already under way', {
      details: { reason: 'deletion_under_way' },
    });
  }
  row.cancelledAt = ctx.now;
  row.cancelledByUserId = ctx.actor.userId;
  audit(ctx, {
    action: 'tenant.deletion_cancelled',
    resourceType: 'tenant',
    resourceId: tenant.tenantUuid,
    details: { deleteAt: row.deleteAt.toISOString() },
  });
  await notifyAdmins(ctx, tenant, row, 'cancelled');
  offboardingChanged(ctx, 'deletion_cancelled');
  return getOffboarding(ctx);
}

export type OffboardingStep = { kind: 'nothing_due' } | { kind: 'final_notice' } | { kind: 'purge' };

/**
 * The worker's step for a tenant with a schedule: the final notice once the deletion is near, and
 * once it is due, the claim (purge_started_at) that ends the chance to cancel and lets the purge
 * begin. The schedule row is locked, so a cancellation and the claim are decided one after the other.
 */
export async function advanceOffboarding(ctx: TenantContext, tenant: TenantEntity): Promise<OffboardingStep> {
  const row = await lockSchedule(ctx);
  if (!isActive(row)) return { kind: 'nothing_due' };
  if (row.purgeStartedAt) return { kind: 'purge' };
  if (row.deleteAt.getTime() <= ctx.now.getTime()) {
    row.purgeStartedAt = ctx.now;
    return { kind: 'purge' };
  }
  if (!row.finalNoticeSentAt && row.deleteAt.getTime() - ctx.now.getTime() <= FINAL_NOTICE_DAYS * DAY_MS) {
    row.finalNoticeSentAt = ctx.now;
    await notifyAdmins(ctx, tenant, row, 'final');
    return { kind: 'final_notice' };
  }
  return { kind: 'nothing_due' };
}
