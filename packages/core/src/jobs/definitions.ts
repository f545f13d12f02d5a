import type { JobsOptions } from 'bullmq';
import { z } from 'zod';

/**
 * Every background job: a dotted name, the queue it runs on, a zod payload and its options.
 * Producers (api, core services) enqueue by name with a payload checked at compile time and at
 * run time; handlers live in apps/worker, one per name.
 */
export interface JobDefinition<Payload extends z.ZodType = z.ZodType> {
  queue: QueueName;
  payload: Payload;
  options: JobsOptions;
}

export const QUEUES = ['emails', 'usage', 'lifecycle', 'outbox'] as const;
export type QueueName = (typeof QUEUES)[number];

const retried = (attempts: number): JobsOptions => ({
  attempts,
  backoff: { type: 'exponential', delay: 2_000 },
  removeOnComplete: { age: 24 * 3600, count: 10_000 },
  removeOnFail: { age: 7 * 24 * 3600 },
});

export const EMAIL_TEMPLATES = [
  'welcome',
  'invitation',
  'password_reset',
  'trial_reminder',
  'trial_ended',
  'limit_alert',
  'offboarding',
  'monthly_report',
  'data_export_ready',
] as const;
export type EmailTemplate = (typeof EMAIL_TEMPLATES)[number];

/** What each template needs; producers fill these, the email worker renders them. */
export const EMAIL_DATA = {
  welcome: z.object({ tenantName: z.string(), recipientName: z.string(), setPasswordUrl: z.string().url() }),
  invitation: z.object({
    tenantName: z.string(),
    inviterName: z.string(),
    role: z.string(),
    acceptUrl: z.string().url(),
    expiresAt: z.string(),
  }),
  password_reset: z.object({ recipientName: z.string(), resetUrl: z.string().url(), expiresAt: z.string() }),
  trial_reminder: z.object({
    tenantName: z.string(),
    daysLeft: z.number().int(),
    trialEndsAt: z.string(),
    upgradeUrl: z.string().url(),
  }),
  trial_ended: z.object({ tenantName: z.string(), outcome: z.enum(['converted_to_basic', 'suspended']) }),
  limit_alert: z.object({
    tenantName: z.string(),
    limit: z.enum(['seats', 'storage', 'api_calls']),
    thresholdPercent: z.number().int(),
    used: z.number(),
    max: z.number(),
    usageUrl: z.string().url(),
  }),
  offboarding: z.object({
    tenantName: z.string(),
    message: z.string(),
    /** The deletion notices say what happens; without one the subject is the generic access notice. */
    subject: z.string().optional(),
    actionUrl: z.string().url().optional(),
  }),
  monthly_report: z.object({ tenantName: z.string(), month: z.string(), reportsUrl: z.string().url() }),
  data_export_ready: z.object({
    tenantName: z.string(),
    scope: z.enum(['tenant', 'personal']),
    /** The console's Data & privacy screen, which hands out a short-lived download link. */
    downloadPageUrl: z.string().url(),
    expiresAt: z.string(),
  }),
} satisfies Record<EmailTemplate, z.ZodType>;

const emailEnvelope = {
  /** The tenant whose branding frames the message; null for account-level mail (password reset). */
  tenantId: z.number().int().positive().nullable(),
  to: z.string().email(),
  /** One message per cause: a retried or duplicated job with the same key never sends twice. */
  dedupeKey: z.string().min(1).max(200),
};

const emailOf = <T extends EmailTemplate>(template: T) =>
  z.object({ ...emailEnvelope, template: z.literal(template), data: EMAIL_DATA[template] as (typeof EMAIL_DATA)[T] });

export const emailPayload = z.discriminatedUnion('template', [
  emailOf('welcome'),
  emailOf('invitation'),
  emailOf('password_reset'),
  emailOf('trial_reminder'),
  emailOf('trial_ended'),
  emailOf('limit_alert'),
  emailOf('offboarding'),
  emailOf('monthly_report'),
  emailOf('data_export_ready'),
]);
export type EmailPayload = z.infer<typeof emailPayload>;

/** Jobs about one tenant: the handler opens that tenant's unit of work after checking it exists. */
const tenantJob = z.object({ tenantId: z.number().int().positive() });
/** A scheduler's tick: no payload; the handler finds the tenants concerned itself. */
const tick = z.object({});

/** Sweeps run often; only the last few are kept for inspection. */
const sweep: JobsOptions = { attempts: 1, removeOnComplete: { count: 50 }, removeOnFail: { count: 200 } };

export const JOBS = {
  'email.send': { queue: 'emails', payload: emailPayload, options: retried(8) },
  /** Copies the hourly API-call counters from Redis into usage records (idempotent upserts). */
  'usage.flush': { queue: 'usage', payload: tick, options: retried(5) },
  /** Copies the per-tenant hourly API performance (calls, errors, latency buckets) from Redis into PostgreSQL. */
  'performance.flush': { queue: 'usage', payload: tick, options: retried(5) },
  /** Fans out one `usage.measure` per tenant. */
  'usage.measure_all': { queue: 'usage', payload: tick, options: retried(5) },
  /** Measures a tenant's seats and storage, records them and checks their alerts. */
  'usage.measure': { queue: 'usage', payload: tenantJob, options: retried(5) },
  /** Finds tenants whose trial ends within the reminder window or has ended. */
  'trials.scan': { queue: 'lifecycle', payload: tick, options: retried(5) },
  /** Sends a tenant's due trial reminder, or applies its trial-end policy. */
  'trials.apply': { queue: 'lifecycle', payload: tenantJob, options: retried(5) },
  /** Fans out one `health.score` per active tenant. */
  'health.score_all': { queue: 'lifecycle', payload: tick, options: retried(5) },
  /** Computes and records a tenant's health score for the day. */
  'health.score': { queue: 'lifecycle', payload: tenantJob, options: retried(5) },
  /** Fans out one `billing.cycle` per active tenant. */
  'billing.cycle_all': { queue: 'lifecycle', payload: tick, options: retried(5) },
  /** Issues the tenant's invoice for the current month if none exists, and marks unpaid ones past due as overdue. */
  'billing.cycle': { queue: 'lifecycle', payload: tenantJob, options: retried(5) },
  /** Runs the outbox effects that were not carried out right after their commit (a crash, an outage). */
  'outbox.sweep': { queue: 'outbox', payload: tick, options: sweep },
  /** Renders and stores a tenant's monthly report PDF (advanced reporting); re-running replaces it. */
  'reports.monthly': {
    queue: 'lifecycle',
    payload: tenantJob.extend({ month: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/) }),
    options: retried(5),
  },
  /** Fans out one `audit.prune` per tenant. */
  'audit.prune_all': { queue: 'lifecycle', payload: tick, options: retried(5) },
  /** Removes a tenant's audit entries past its tier's retention (as the lifecycle role), recording the cut. */
  'audit.prune': { queue: 'lifecycle', payload: tenantJob, options: retried(5) },
  /** Fans out one `reports.email_due` per active tenant with advanced reporting. */
  'reports.email_scan': { queue: 'lifecycle', payload: tick, options: retried(5) },
  /** Emails last month's report to the tenant's schedule once it is due (once per month). */
  'reports.email_due': { queue: 'lifecycle', payload: tenantJob, options: retried(5) },
  /** Fans out one `offboarding.advance` per tenant whose final notice or deletion is due, or whose deletion a crash left unfinished. */
  'offboarding.scan': { queue: 'lifecycle', payload: tick, options: retried(5) },
  /**
   * Sends a tenant's final deletion notice, or deletes the tenant once its retention has passed
   * (rerunnable from wherever a crash stopped it). Not kept once done: its payload names a tenant
   * that no longer exists.
   */
  'offboarding.advance': {
    queue: 'lifecycle',
    payload: tenantJob,
    options: { ...retried(8), removeOnComplete: true },
  },
  /** Removes a deleted or abandoned file's bytes from the object store (deleting nothing succeeds). */
  'files.purge_object': {
    queue: 'lifecycle',
    payload: tenantJob.extend({ key: z.string().regex(/^tenants\/\d+\/[a-z0-9/_-]+$/) }),
    options: retried(10),
  },
  /** Builds a GDPR export archive (see data-rights/export-build.ts); a rerun starts it afresh. */
  'data.export_build': {
    queue: 'lifecycle',
    payload: tenantJob.extend({ exportId: z.uuid() }),
    options: retried(3),
  },
  /** Marks a ready export expired and purges its archive once its retention has passed. */
  'data.export_expire': { queue: 'lifecycle', payload: tenantJob.extend({ exportId: z.uuid() }), options: retried(10) },
  /** Anonymizes an erased person's account once they belong to no tenant (a global unit of work). */
  'data.erase_account': { queue: 'lifecycle', payload: z.object({ userId: z.uuid() }), options: retried(10) },
  /**
   * Restores an uploaded export archive (staged under restores/<id>/archive) into a new tenant, all
   * or nothing; its state, progress and result stay on the job for the operator (see core/restore).
   */
  'data.restore': {
    queue: 'lifecycle',
    payload: z.object({
      restoreId: z.uuid(),
      sizeBytes: z.number().int().positive(),
      operatorUserId: z.uuid(),
      ipAddress: z.string().max(100).nullable(),
    }),
    options: {
      attempts: 3,
      backoff: { type: 'exponential', delay: 5_000 },
      removeOnComplete: { age: 30 * 24 * 3600 },
      removeOnFail: { age: 30 * 24 * 3600 },
    },
  },
} as const satisfies Record<string, JobDefinition>;

/**
 * Periodic jobs and their default interval. The worker registers each as a BullMQ job scheduler
 * (one per name, upserted by every worker), so each tick is one job however many workers run.
 * `catchUp`: a tick that an outage made fail for good is run again once the outage is over, rather
 * than left to the next tick (usage would stay unflushed, trials unadvanced, for a whole interval).
 */
export const SCHEDULES = {
  'outbox.sweep': { everyMs: 5_000 },
  'usage.flush': { everyMs: 60_000, catchUp: true },
  'performance.flush': { everyMs: 60_000 },
  'usage.measure_all': { everyMs: 15 * 60_000 },
  'trials.scan': { everyMs: 60 * 60_000, catchUp: true },
  'health.score_all': { everyMs: 6 * 60 * 60_000 },
  'billing.cycle_all': { everyMs: 6 * 60 * 60_000 },
  'audit.prune_all': { everyMs: 24 * 60 * 60_000 },
  'reports.email_scan': { everyMs: 60 * 60_000 },
  'offboarding.scan': { everyMs: 60 * 60_000, catchUp: true },
} as const satisfies Partial<Record<string, { everyMs: number; catchUp?: boolean }>>;
export type ScheduledJobName = keyof typeof SCHEDULES;

export type JobName = keyof typeof JOBS;
export type JobPayload<N extends JobName> = z.input<(typeof JOBS)[N]['payload']>;
