import { Readable } from 'node:stream';
import { fileStorageKey, tenantObjectPrefix } from '@digame/core/files';
import { cancelDeletion, purgeTenant, scheduleDeletion, TenantDeletion } from '@digame/core/offboarding';
import { type TenantContext, tenantContext } from '@digame/core/services';
import {
  createTenantWithMembers,
  moveDeletionDate,
  type TenantFixture,
  tenantKeys,
  tenantRowCounts,
  useSmtpReceiver,
  useTestDatabase,
} from '@digame/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { useInProcessWorker } from './testing/in-process.js';
import { eventually, randomPrefix } from './testing/processes.js';

const database = useTestDatabase();
const smtp = useSmtpReceiver();
const prefix = randomPrefix('offboarding');
const worker = useInProcessWorker(() => ({ databaseUrl: database.appUrl, prefix, smtpUrl: smtp.current.url }));
const DAY = 86_400_000;
let doomed: TenantFixture;
let kept: TenantFixture;
let tick = 0;

async function inTenant<T>(fixture: TenantFixture, work: (ctx: TenantContext) => Promise<T>) {
  return database.db.inTenant(fixture.tenantId, (em) =>
    work(tenantContext(em, fixture.tenantId, { userId: fixture.users.admin }, worker.current.deps.services)),
  );
}

/** One tick of the offboarding scan, and every job it fanned out, run to completion. */
async function scan(): Promise<unknown[]> {
  const queue = worker.current.deps.jobs.queue('lifecycle');
  const jobId = `offboarding-tick-${++tick}`;
  await worker.current.deps.jobs.enqueue('offboarding.scan', {}, { jobId });
  const { tenants } = (await eventually(
    async () => {
      const job = await queue.getJob(jobId);
      if ((await job?.getState()) === 'failed') throw new Error(`scan failed: ${job?.failedReason}`);
      return job?.returnvalue ?? undefined;
    },
    { what: 'offboarding scan' },
  )) as { tenants: number };
  // Completed advance jobs are not kept (their payload names a deleted tenant): wait for the queue to drain.
  await eventually(
    async () => {
      const failed = (await queue.getJobs(['failed'])).filter((job) => job.name === 'offboarding.advance');
      if (failed.length) throw new Error(`advance failed: ${failed[0]?.failedReason}`);
      const pending = await queue.getJobs(['wait', 'active', 'delayed', 'prioritized']);
      return pending.some((job) => job?.name === 'offboarding.advance') ? undefined : true;
    },
    { what: 'offboarding advance jobs' },
  );
  return Array.from({ length: tenants });
}

async function putObject(fixture: TenantFixture, name: string): Promise<void> {
  const bytes = Buffer.from(`${fixture.slug}:${name}`);
  await worker.current.deps.services.files.put(
    fileStorageKey(fixture.tenantId, name),
    Readable.from([bytes]),
    bytes.length,
  );
}

beforeAll(async () => {
  doomed = await createTenantWithMembers(database.db, 'Leaving Soon', 'professional');
  kept = await createTenantWithMembers(database.db, 'Staying Put', 'professional');
  for (const fixture of [doomed, kept]) await putObject(fixture, 'report');
});

describe('the offboarding worker', () => {
  it('mails the notice, then the final notice near the end, each once', async () => {
    await inTenant(doomed, (ctx) =>
      scheduleDeletion(ctx, { reason: 'Leaving', confirmation: doomed.slug }, { byOperator: false }),
    );
    const adminEmail = `admin@${doomed.slug}.test`;
    await smtp.current.waitFor(() => smtp.current.to(adminEmail).length === 1);
    expect(smtp.current.to(adminEmail)[0]?.subject).toMatch(/^Leaving Soon is scheduled for deletion on /);

    // Not due yet: the scan leaves it alone.
    expect(await scan()).toHaveLength(0);
    await moveDeletionDate(database.ownerUrl, doomed.tenantId, new Date(Date.now() + 2 * DAY));
    expect(await scan()).toHaveLength(1);
    await smtp.current.waitFor(() => smtp.current.to(adminEmail).length === 2);
    expect(smtp.current.to(adminEmail)[1]?.subject).toMatch(/^Leaving Soon will be deleted on /);
    expect(smtp.current.to(adminEmail)[1]?.text).toContain('in 2 days');
    await scan();
    expect(smtp.current.to(adminEmail)).toHaveLength(2);
  });

  it('never deletes a tenant whose deletion was cancelled', async () => {
    await inTenant(kept, (ctx) =>
      scheduleDeletion(ctx, { reason: 'Maybe', confirmation: kept.slug }, { byOperator: false }),
    );
    await inTenant(kept, cancelDeletion);
    await moveDeletionDate(database.ownerUrl, kept.tenantId, new Date(Date.now() - DAY));
    await scan();
    expect((await tenantRowCounts(database.ownerUrl, kept.tenantId)).tenants).toBe(1);
  });

  it('deletes a due tenant, and finishes a deletion that a crash stopped halfway', async () => {
    const keptBefore = await tenantRowCounts(database.ownerUrl, kept.tenantId);
    await moveDeletionDate(database.ownerUrl, doomed.tenantId, new Date(Date.now() - 1000));
    const { deps } = worker.current;
    // The worker claims it, then dies right after the rows went, before the last sweep of the store.
    await database.db.inTenant(doomed.tenantId, (em) =>
      em.execute('update tenant_offboardings set purge_started_at = now() where tenant_id = ?', [doomed.tenantId]),
    );
    let sweeps = 0;
    const crashing = {
      ...deps.services.files,
      list: deps.services.files.list.bind(deps.services.files),
      deletePrefix: async (key: string) => {
        sweeps += 1;
        if (sweeps === 2) throw new Error('killed');
        return deps.services.files.deletePrefix(key);
      },
    };
    await expect(
      purgeTenant({ ...deps, services: { ...deps.services, files: crashing } }, doomed.tenantId),
    ).rejects.toThrow('killed');
    expect(Object.values(await tenantRowCounts(database.ownerUrl, doomed.tenantId)).every((n) => n === 0)).toBe(true);
    const unfinished = await database.db.inGlobal((em) =>
      em.findOneOrFail(TenantDeletion, { deletedTenantId: doomed.tenantId }),
    );
    expect(unfinished.completedAt ?? null).toBeNull();
    // What raced the deletion: an object and a counter written after the first sweep.
    await putObject(doomed, 'late');
    await deps.redis.set(`${prefix}:calls:${doomed.tenantId}:0`, '1');

    // The next scan finds the unfinished record and completes it.
    expect(await scan()).toHaveLength(1);
    const record = await database.db.inGlobal((em) =>
      em.findOneOrFail(TenantDeletion, { deletedTenantId: doomed.tenantId }),
    );
    expect(record.completedAt).toBeInstanceOf(Date);
    expect(await deps.services.files.list(tenantObjectPrefix(doomed.tenantId))).toEqual([]);
    expect(await tenantKeys(deps.redis, prefix, doomed)).toEqual([]);
    expect(await scan()).toHaveLength(0);

    // The other tenant kept everything.
    expect(await tenantRowCounts(database.ownerUrl, kept.tenantId)).toEqual(keptBefore);
    expect(await deps.services.files.list(tenantObjectPrefix(kept.tenantId))).toEqual([
      fileStorageKey(kept.tenantId, 'report'),
    ]);
  });
});
