import { issueMonthlyInvoice } from '@digame/core/billing';
import { tenantObjectPrefix } from '@digame/core/files';
import { recordHealthScore } from '@digame/core/health-score';
import { inJobTenant } from '@digame/core/jobs';
import { flushApiCallCounters, measureTenantUsage } from '@digame/core/metering';
import { type PurgeDeps, runOffboarding, TenantDeletion } from '@digame/core/offboarding';
import { flushApiPerformance } from '@digame/core/operator-analytics';
import {
  createTenantWithMembers,
  moveDeletionDate,
  rawClient,
  type TenantFixture,
  tenantJobsIn,
  tenantKeys,
  tenantRowCounts,
} from '@digame/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectRefused } from '../../testing/admin.js';
import { uploadBytes } from '../../testing/files.js';
import { emailOf, eventually, GOOD_PASSWORD, setUserPassword } from '../../testing/identity.js';
import { useTestApi } from '../../testing/test-api.js';

const api = useTestApi();
let doomed: TenantFixture;
let bystander: TenantFixture;
let doomedAdmin: string;
let purgeDeps: PurgeDeps;

/** A tenant used the way customers use one, so that most of its tables, objects and keys hold something. */
async function useTenant(fixture: TenantFixture): Promise<string> {
  for (const userId of Object.values(fixture.users)) await setUserPassword(api.database.db, userId);
  const tokens: string[] = [];
  for (const userId of Object.values(fixture.users)) {
    const outcome = await api.client().auth.signIn.mutate({
      email: await emailOf(api.database.db, userId),
      password: GOOD_PASSWORD,
    });
    if (outcome.status !== 'signed_in') throw new Error(`sign-in: ${outcome.status}`);
    tokens.push(outcome.accessToken);
  }
  const adminToken = tokens[0] as string;
  const admin = api.client(adminToken);
  await admin.settings.set.mutate({ category: 'general', key: 'locale', value: 'en-GB' });
  await admin.invitations.create.mutate({ email: `new@${fixture.slug}.test`, role: 'member' });
  const key = await admin.apiKeys.create.mutate({ name: 'ci', scopes: ['tenant.read'] });
  await api.client(key.key).tenants.get.query();
  for (const name of ['a.txt', 'b.txt']) {
    expect((await uploadBytes(api, adminToken, Buffer.from(`${fixture.slug} ${name}`), { name })).status).toBe(201);
  }
  await admin.support.open.mutate({ subject: 'Help please', body: 'Something to ask' });
  await admin.billing.changeTier.mutate({ tier: 'basic' });
  await api.deps.apiPerformance.flush();
  const jobDeps = { db: api.deps.db, services: api.deps.services };
  await inJobTenant(jobDeps, fixture.tenantId, measureTenantUsage);
  await inJobTenant(jobDeps, fixture.tenantId, recordHealthScore);
  await inJobTenant(jobDeps, fixture.tenantId, (ctx) => issueMonthlyInvoice(ctx));
  return adminToken;
}

async function settledOutbox(tenantId: number): Promise<void> {
  await eventually(
    async () => (await tenantRowCounts(api.database.ownerUrl, tenantId)).tenant_outbox,
    (rows) => rows === 0,
  );
}

async function storedObjects(tenantId: number): Promise<string[]> {
  return api.deps.services.files.list(tenantObjectPrefix(tenantId));
}

/** Keys of the bystander to compare; the one-second live-usage window mark comes and goes on its own. */
async function bystanderKeys(): Promise<string[]> {
  const keys = await tenantKeys(api.deps.redis, api.config.REDIS_PREFIX, bystander);
  return keys.filter((key) => !key.includes(':live-usage:sent:'));
}

beforeAll(async () => {
  doomed = await createTenantWithMembers(api.database.db, 'Doomed Corp', 'professional');
  bystander = await createTenantWithMembers(api.database.db, 'Bystander Inc', 'professional');
  doomedAdmin = await useTenant(doomed);
  await useTenant(bystander);
  await api.deps.liveApiCalls.watch(doomed.tenantId);
  purgeDeps = {
    db: api.deps.db,
    redis: api.deps.redis,
    prefix: api.config.REDIS_PREFIX,
    jobs: api.deps.jobs,
    services: api.deps.services,
  };
  // Copied into tables by the worker's flushes: usage records and per-hour performance.
  await flushApiPerformance(purgeDeps, new Date(Date.now() + 2 * 3_600_000));
  await flushApiCallCounters(purgeDeps, new Date(Date.now() + 2 * 3_600_000));
  // And what stays in Redis until then: this hour's performance figures.
  await api.client(doomedAdmin).tenants.get.query();
  await api.deps.apiPerformance.flush();
});

describe('the deletion of an offboarded organization', () => {
  it('deletes every row, object, Redis key and job of the tenant, and nothing of another', async () => {
    await api.client(doomedAdmin).offboarding.schedule.mutate({ reason: 'Closing down', confirmation: doomed.slug });
    await settledOutbox(doomed.tenantId);
    await settledOutbox(bystander.tenantId);

    const doomedBefore = await tenantRowCounts(api.database.ownerUrl, doomed.tenantId);
    const filled = Object.entries(doomedBefore).filter(([, rows]) => rows > 0);
    // Most tables hold rows of the tenant, so zero afterwards means they were deleted.
    expect(filled.length).toBeGreaterThanOrEqual(16);
    expect((await storedObjects(doomed.tenantId)).length).toBe(2);
    const doomedKeysBefore = await tenantKeys(api.deps.redis, api.config.REDIS_PREFIX, doomed);
    for (const family of ['sess', 'member-sess', 'apikey', 'apikey-usage', 'calls', 'events', 'perf', 'live-usage']) {
      expect(
        doomedKeysBefore.some((key) => key.includes(`:${family}:`)),
        family,
      ).toBe(true);
    }
    expect(await tenantJobsIn(api.deps.jobs, doomed.tenantId)).toBeGreaterThan(0);
    const bystanderBefore = {
      rows: await tenantRowCounts(api.database.ownerUrl, bystander.tenantId),
      objects: await storedObjects(bystander.tenantId),
      keys: await bystanderKeys(),
      jobs: await tenantJobsIn(api.deps.jobs, bystander.tenantId),
    };

    // Not yet due: nothing happens.
    expect(await runOffboarding(purgeDeps, doomed.tenantId)).toEqual({ kind: 'nothing_due' });
    expect((await tenantRowCounts(api.database.ownerUrl, doomed.tenantId)).tenants).toBe(1);

    await moveDeletionDate(api.database.ownerUrl, doomed.tenantId, new Date(Date.now() - 1000));
    const outcome = await runOffboarding(purgeDeps, doomed.tenantId);
    expect(outcome).toMatchObject({ kind: 'deleted', tenantUuid: doomed.tenantUuid, objects: 2 });

    const doomedAfter = await tenantRowCounts(api.database.ownerUrl, doomed.tenantId);
    expect(Object.entries(doomedAfter).filter(([, rows]) => rows > 0)).toEqual([]);
    expect(Object.keys(doomedAfter).sort()).toEqual(Object.keys(doomedBefore).sort());
    expect(await storedObjects(doomed.tenantId)).toEqual([]);
    expect(await tenantKeys(api.deps.redis, api.config.REDIS_PREFIX, doomed)).toEqual([]);
    expect(await tenantJobsIn(api.deps.jobs, doomed.tenantId)).toBe(0);

    expect({
      rows: await tenantRowCounts(api.database.ownerUrl, bystander.tenantId),
      objects: await storedObjects(bystander.tenantId),
      keys: await bystanderKeys(),
      jobs: await tenantJobsIn(api.deps.jobs, bystander.tenantId),
    }).toEqual(bystanderBefore);

    // Its members' credentials name nothing any more.
    await expectRefused(api.client(doomedAdmin).tenants.get.query(), 'UNAUTHORIZED');
  });

  it('leaves operators a record of the deletion without personal data, and repeating it changes nothing', async () => {
    const record = await api.database.db.inGlobal((em) =>
      em.findOneOrFail(TenantDeletion, { deletedTenantId: doomed.tenantId }),
    );
    expect(record).toMatchObject({ deletedTenantUuid: doomed.tenantUuid, objectsDeleted: 2 });
    expect(record.completedAt).toBeInstanceOf(Date);
    expect(record.rowsDeleted.tenants).toBe(1);
    expect(record.rowsDeleted.tenant_users).toBe(4);
    const text = JSON.stringify(record).toLowerCase();
    for (const personal of ['doomed corp', doomed.slug, 'admin@', 'closing down']) expect(text).not.toContain(personal);

    const again = await runOffboarding(purgeDeps, doomed.tenantId);
    expect(again).toMatchObject({ kind: 'deleted', objects: 2 });
    const operator = await rawClient(api.database.globalUrl);
    try {
      const { rows } = await operator.query(
        'select count(*)::int as n from tenant_deletions where deleted_tenant_id = $1',
        [doomed.tenantId],
      );
      expect(rows[0].n).toBe(1);
    } finally {
      await operator.end();
    }
  });
});
