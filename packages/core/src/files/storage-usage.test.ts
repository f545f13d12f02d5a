import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { measureTenantUsage } from '../metering/measure.js';
import { Tenant } from '../tenants/tenant.entity.js';
import { createTenantWithMembers, useServiceDeps, useTestDatabase } from '../testing/index.js';
import { TenantFile } from './file.entity.js';
import { reserveUpload, storageQuota } from './file.service.js';
import { tenantObjectPrefix } from './object-store.js';
import { type TenantRunner, uploadFile } from './upload.js';

const database = useTestDatabase();
const deps = useServiceDeps(() => database.db);

const runnerFor =
  (tenantId: number): TenantRunner =>
  (service) =>
    deps.run(tenantId, service);

const HOUR = 3_600_000;

describe('storage measurement', () => {
  it('counts the tenant’s rows and its stored files, and keeps the rows’ size for the quota', async () => {
    const tenant = await createTenantWithMembers(database.db, 'Measured Storage', 'basic');
    const bytes = randomBytes(250_000);
    await uploadFile(
      runnerFor(tenant.tenantId),
      deps.services.files,
      { name: 'big.bin', sizeBytes: bytes.length },
      Readable.from([bytes]),
    );
    const measured = await deps.run(tenant.tenantId, async (ctx) =>
      measureTenantUsage(ctx, await ctx.em.findOneOrFail(Tenant, { id: tenant.tenantId })),
    );
    const quota = await deps.run(tenant.tenantId, (ctx) => storageQuota(ctx));
    expect(quota.databaseBytes).toBeGreaterThan(0);
    expect(quota.fileBytes).toBe(250_000);
    expect(measured.storageBytes).toBe(quota.databaseBytes + 250_000);
    const [gauge] = await database.db.inTenant(tenant.tenantId, (em) =>
      em.execute<{ quantity: string }[]>(
        `select quantity from tenant_usage_records where metric = 'storage_bytes' order by period_start desc limit 1`,
      ),
    );
    expect(Number(gauge?.quantity)).toBe(measured.storageBytes);
  });

  it('releases reservations of uploads abandoned hours ago (a crashed api) and queues their purge', async () => {
    const tenant = await createTenantWithMembers(database.db, 'Crashed Upload', 'basic');
    const now = new Date();
    const stale = await deps.run(tenant.tenantId, (ctx) => reserveUpload(ctx, { name: 'a', sizeBytes: 7000 }));
    await database.db.inTenant(tenant.tenantId, (em) =>
      em.nativeUpdate(
        TenantFile,
        { tenant: tenant.tenantId, id: stale.id },
        { createdAt: new Date(now.getTime() - 7 * HOUR) },
      ),
    );
    const fresh = await deps.run(tenant.tenantId, (ctx) => reserveUpload(ctx, { name: 'b', sizeBytes: 300 }));
    expect((await deps.run(tenant.tenantId, (ctx) => storageQuota(ctx))).reservedBytes).toBe(7300);

    await deps.run(tenant.tenantId, async (ctx) =>
      measureTenantUsage(ctx, await ctx.em.findOneOrFail(Tenant, { id: tenant.tenantId })),
    );
    expect((await deps.run(tenant.tenantId, (ctx) => storageQuota(ctx))).reservedBytes).toBe(300);
    const left = await database.db.inTenant(tenant.tenantId, (em) => em.find(TenantFile, { tenant: tenant.tenantId }));
    expect(left.map((file) => file.id)).toEqual([fresh.id]);
    const purges = await deps.services.jobs.queue('lifecycle').getJobs(['waiting', 'delayed', 'prioritized']);
    expect(purges.map((job) => job.data)).toContainEqual({
      tenantId: tenant.tenantId,
      key: `${tenantObjectPrefix(tenant.tenantId)}files/${stale.id}`,
    });
  });
});
