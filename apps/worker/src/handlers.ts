import { pruneAuditLog } from '@digame/core/audit';
import { issueMonthlyInvoice, markOverdueInvoices } from '@digame/core/billing';
import { buildExport, eraseOrphanedAccount, expireDueExport } from '@digame/core/data-rights';
import { type Database, sweepOutbox } from '@digame/core/db';
import { tenantObjectPrefix } from '@digame/core/files';
import { recordHealthScore } from '@digame/core/health-score';
import { allTenantIds, inJobTenant, JOBS, type JobName, type JobQueues, PermanentJobError } from '@digame/core/jobs';
import type { Logger } from '@digame/core/logging';
import { type Mailer, sendEmail } from '@digame/core/mail';
import { flushApiCallCounters, measureTenantUsage } from '@digame/core/metering';
import { FINAL_NOTICE_DAYS, offboardingsDue, runOffboarding } from '@digame/core/offboarding';
import { flushApiPerformance } from '@digame/core/operator-analytics';
import { emailDueMonthlyReport, generateMonthlyReport } from '@digame/core/reports';
import { runRestoreJob } from '@digame/core/restore';
import { runServiceEffect, type ServiceDeps } from '@digame/core/services';
import { advanceTrial, trialsDue } from '@digame/core/trials';
import type { Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { z } from 'zod';

/** What every handler may use; built once per worker process. */
export interface WorkerDeps {
  db: Database;
  redis: Redis;
  prefix: string;
  jobs: JobQueues;
  mailer: Mailer;
  services: ServiceDeps;
  logger: Logger;
}

type Payload<N extends JobName> = z.output<(typeof JOBS)[N]['payload']>;
export type JobHandler<N extends JobName> = (payload: Payload<N>, job: Job, deps: WorkerDeps) => Promise<unknown>;

/**
 * A fan-out's child jobs, one per tenant, enqueued in bulk. Each is keyed by the tick, so a retried
 * fan-out adds no duplicates.
 */
const tenantJobs = (parent: Job, tenantIds: number[]) =>
  tenantIds.map((tenantId) => ({
    payload: { tenantId },
    options: { jobId: `${parent.name}:${parent.id}:${tenantId}` },
  }));

/** Active tenants that have advanced reporting, the only ones whose report may be emailed. */
const tenantsWithReporting = (db: Database) =>
  db.inGlobal(async (em) => {
    const rows = await em.execute<{ id: number }[]>(
      `select id from tenants where is_active and (features ->> 'advanced_reporting') = 'true' order by id`,
    );
    return rows.map((row) => Number(row.id));
  });

/** One handler per job name; the mapped type makes a missing or misnamed handler a compile error. */
export const HANDLERS: { [N in JobName]: JobHandler<N> } = {
  'email.send': (payload, job, deps) =>
    sendEmail(deps, payload, { jobId: String(job.id), attempt: job.attemptsStarted }),

  'usage.flush': (_payload, _job, deps) => flushApiCallCounters(deps),

  'performance.flush': (_payload, _job, deps) => flushApiPerformance(deps),

  'usage.measure_all': async (_payload, job, deps) => {
    const tenantIds = await allTenantIds(deps.db);
    await deps.jobs.enqueueMany('usage.measure', tenantJobs(job, tenantIds));
    return { tenants: tenantIds.length };
  },

  'usage.measure': ({ tenantId }, _job, deps) => inJobTenant(deps, tenantId, measureTenantUsage),

  'trials.scan': async (_payload, job, deps) => {
    const tenantIds = await trialsDue(deps.db, new Date());
    await deps.jobs.enqueueMany('trials.apply', tenantJobs(job, tenantIds));
    return { tenants: tenantIds.length };
  },

  'trials.apply': ({ tenantId }, _job, deps) => inJobTenant(deps, tenantId, advanceTrial),

  'health.score_all': async (_payload, job, deps) => {
    const tenantIds = await allTenantIds(deps.db, { activeOnly: true });
    await deps.jobs.enqueueMany('health.score', tenantJobs(job, tenantIds));
    return { tenants: tenantIds.length };
  },

  'health.score': ({ tenantId }, _job, deps) => inJobTenant(deps, tenantId, recordHealthScore),

  'billing.cycle_all': async (_payload, job, deps) => {
    const tenantIds = await allTenantIds(deps.db, { activeOnly: true });
    await deps.jobs.enqueueMany('billing.cycle', tenantJobs(job, tenantIds));
    return { tenants: tenantIds.length };
  },

  // Both steps are idempotent: one invoice per tenant and month, and overdue is a one-way status change.
  // A tenant that lost advanced reporting between the request and the job gets no report.
  'reports.monthly': ({ tenantId, month }, _job, deps) =>
    inJobTenant(
      deps,
      tenantId,
      async (ctx, tenant): Promise<unknown> =>
        tenant.features.advanced_reporting === true
          ? generateMonthlyReport(ctx, month)
          : { skipped: 'feature_not_available' },
    ),

  'reports.email_scan': async (_payload, job, deps) => {
    const tenantIds = await tenantsWithReporting(deps.db);
    await deps.jobs.enqueueMany('reports.email_due', tenantJobs(job, tenantIds));
    return { tenants: tenantIds.length };
  },

  'reports.email_due': ({ tenantId }, _job, deps) => inJobTenant(deps, tenantId, emailDueMonthlyReport),

  'billing.cycle': ({ tenantId }, _job, deps) =>
    inJobTenant(deps, tenantId, async (ctx) => ({
      invoice: (await issueMonthlyInvoice(ctx))?.id ?? null,
      overdue: await markOverdueInvoices(ctx),
    })),

  'audit.prune_all': async (_payload, job, deps) => {
    const tenantIds = await allTenantIds(deps.db);
    await deps.jobs.enqueueMany('audit.prune', tenantJobs(job, tenantIds));
    return { tenants: tenantIds.length };
  },

  'audit.prune': ({ tenantId }, _job, deps) => inJobTenant(deps, tenantId, (ctx) => pruneAuditLog(ctx)),

  'offboarding.scan': async (_payload, job, deps) => {
    const tenantIds = await offboardingsDue(deps.db, new Date(), FINAL_NOTICE_DAYS);
    await deps.jobs.enqueueMany('offboarding.advance', tenantJobs(job, tenantIds));
    return { tenants: tenantIds.length };
  },

  // Not through inJobTenant: a tenant whose rows are gone may still have a deletion to finish.
  'offboarding.advance': ({ tenantId }, _job, deps) => runOffboarding(deps, tenantId),

  'outbox.sweep': (_payload, _job, deps) =>
    sweepOutbox(deps.db, (entry, db) => runServiceEffect(deps.services, entry, db)),
  'files.purge_object': async ({ tenantId, key }, _job, deps) => {
    // The payload names both: a key outside the tenant's own prefix is never touched.
    if (!key.startsWith(tenantObjectPrefix(tenantId)))
      throw new PermanentJobError(`key ${key} is not tenant ${tenantId}'s`);
    await deps.services.files.delete(key);
  },

  // The last attempt marks the export failed, so the console stops showing it as building.
  'data.export_build': (payload, job, deps) =>
    buildExport(deps, payload, { finalAttempt: job.attemptsMade + 1 >= (job.opts.attempts ?? 1) }),

  'data.export_expire': ({ tenantId, exportId }, _job, deps) =>
    inJobTenant(deps, tenantId, (ctx) => expireDueExport(ctx, exportId)),

  'data.erase_account': ({ userId }, _job, deps) => eraseOrphanedAccount(deps.db, userId),

  // Progress lives on the job, where restores.get reads it; the last attempt removes the staged archive.
  'data.restore': (payload, job, deps) =>
    runRestoreJob(deps, payload, {
      finalAttempt: job.attemptsMade + 1 >= (job.opts.attempts ?? 1),
      onProgress: (progress) => job.updateProgress(progress),
    }),
};

export function isJobName(name: string): name is JobName {
  return Object.hasOwn(JOBS, name);
}
