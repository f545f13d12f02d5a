import { audit, changedFields } from '../audit/audit.js';
import type { Database } from '../db/database.js';
import { recomputeFeatures } from '../features/features.js';
import { tenantAdmins } from '../mail/recipients.js';
import type { TenantContext } from '../services/context.js';
import type { TenantEntity } from '../tenants/tenant.entity.js';
import { tierDefaults } from '../tenants/tenant.service.js';
import { lockTenantRow } from '../tenants/tenant-lock.js';

const DAY_MS = 24 * 60 * 60 * 1000;
/** Reminders go out this many days before trial_ends_at. */
export const TRIAL_REMINDER_DAYS = [7, 3, 1] as const;
export const TRIAL_SUSPENSION_REASON = 'The trial ended without a subscription';

export type TrialStep =
  | { kind: 'nothing_due' }
  | { kind: 'reminder'; reminderDays: number; daysLeft: number }
  | { kind: 'ended'; outcome: 'converted_to_basic' | 'suspended' };

/** Active trials that end within the reminder window, or have ended. */
export async function trialsDue(db: Database, now: Date): Promise<number[]> {
  return db.inGlobal(async (em) => {
    const rows = await em.execute<{ id: number }[]>(
      `select id from tenants where is_trial and is_active and trial_ends_at is not null and trial_ends_at <= ? order by id`,
      [new Date(now.getTime() + Math.max(...TRIAL_REMINDER_DAYS) * DAY_MS)],
    );
    return rows.map((row) => Number(row.id));
  });
}

/** The reminder that is due: the closest of 7/3/1 days not yet passed (a missed one is not sent late). */
export function dueReminder(trialEndsAt: Date, now: Date): { reminderDays: number; daysLeft: number } | null {
  const daysLeft = Math.ceil((trialEndsAt.getTime() - now.getTime()) / DAY_MS);
  if (daysLeft <= 0) return null;
  const reminderDays = [...TRIAL_REMINDER_DAYS].sort((a, b) => a - b).find((days) => daysLeft <= days);
  return reminderDays === undefined ? null : { reminderDays, daysLeft };
}

/**
 * Sends the due trial reminder or, once trial_ends_at has passed, applies the tenant's policy:
 * convert_to_basic (the Basic tier's limits and features, trial over) or suspend (inactive with a
 * reason; data kept). The tenant row is locked first, so concurrent runs apply a policy once; the
 * change is audited, tenant facts are invalidated everywhere and admins are emailed (once per cause).
 * A converted tenant with more members than Basic allows keeps them; only adding seats is refused.
 */
export async function advanceTrial(ctx: TenantContext, tenant: TenantEntity): Promise<TrialStep> {
  await lockTenantRow(ctx.em, tenant.id);
  if (!tenant.isTrial || !tenant.isActive || !tenant.trialEndsAt) return { kind: 'nothing_due' };
  const endsAt = tenant.trialEndsAt;
  const admins = await tenantAdmins(ctx.em, tenant);

  if (endsAt.getTime() > ctx.now.getTime()) {
    const due = dueReminder(endsAt, ctx.now);
    if (!due) return { kind: 'nothing_due' };
    for (const admin of admins) {
      const dedupeKey = `trial-reminder:${due.reminderDays}:${endsAt.toISOString()}:${admin.id}`;
      ctx.enqueue(
        'email.send',
        {
          tenantId: tenant.id,
          to: admin.email,
          dedupeKey,
          template: 'trial_reminder',
          data: {
            tenantName: tenant.name,
            daysLeft: due.daysLeft,
            trialEndsAt: endsAt.toISOString(),
            upgradeUrl: `${ctx.deps.appUrl}/billing`,
          },
        },
        { jobId: `email:${tenant.tenantUuid}:${dedupeKey}` },
      );
    }
    return { kind: 'reminder', ...due };
  }

  const before = { ...tenant } as Record<string, unknown>;
  const outcome = tenant.trialEndPolicy === 'suspend' ? 'suspended' : 'converted_to_basic';
  const changes =
    outcome === 'suspended'
      ? { isTrial: false, isActive: false, suspendedAt: ctx.now, suspensionReason: TRIAL_SUSPENSION_REASON }
      : { ...tierDefaults('basic'), isTrial: false };
  ctx.em.assign(tenant, changes);
  // Operator feature overrides survive the conversion: features are the Basic tier's plus overrides.
  if (outcome === 'converted_to_basic') await recomputeFeatures(ctx, tenant);
  audit(ctx, {
    action: 'tenant.trial_ended',
    resourceType: 'tenant',
    resourceId: tenant.tenantUuid,
    details: {
      policy: tenant.trialEndPolicy,
      outcome,
      trialEndsAt: endsAt.toISOString(),
      ...changedFields(before, changes),
    },
  });
  ctx.invalidateTenantFacts();
  ctx.publish('tenant.changed', { reason: 'trial_ended', outcome });
  for (const admin of admins) {
    const dedupeKey = `trial-ended:${endsAt.toISOString()}:${admin.id}`;
    ctx.enqueue(
      'email.send',
      {
        tenantId: tenant.id,
        to: admin.email,
        dedupeKey,
        template: 'trial_ended',
        data: { tenantName: tenant.name, outcome },
      },
      { jobId: `email:${tenant.tenantUuid}:${dedupeKey}` },
    );
  }
  return { kind: 'ended', outcome };
}
