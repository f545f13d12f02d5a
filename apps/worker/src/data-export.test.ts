import { requestTenantExport, TenantDataExport } from '@digame/core/data-rights';
import { tenantContext } from '@digame/core/services';
import { createTenantWithMembers, createTestBucket, useSmtpReceiver, useTestDatabase } from '@digame/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { useInProcessWorker } from './testing/in-process.js';
import { eventually, randomPrefix } from './testing/processes.js';

const database = useTestDatabase();
const smtp = useSmtpReceiver();
const prefix = randomPrefix('data-export');
let bucket: Record<string, string>;
beforeAll(async () => {
  bucket = await createTestBucket();
});
const worker = useInProcessWorker(() => ({
  databaseUrl: database.appUrl,
  prefix,
  smtpUrl: smtp.current.url,
  extra: bucket,
}));

describe('data.export_build', () => {
  it('builds a requested export, stores it, emails the requester a link to Data & privacy and queues its expiry', async () => {
    const tenant = await createTenantWithMembers(database.db, 'Worker Export');
    const adminEmail = 'admin@worker-export.test';
    const requested = await database.db.inTenant(tenant.tenantId, (em) =>
      requestTenantExport(
        tenantContext(em, tenant.tenantId, { userId: tenant.users.admin }, worker.current.deps.services),
      ),
    );
    const ready = await eventually(
      async () => {
        const row = await database.db.inTenant(tenant.tenantId, (em) =>
          em.findOneOrFail(TenantDataExport, { tenant: tenant.tenantId, id: requested.id }),
        );
        if (row.status === 'failed') throw new Error(`the build failed: ${row.error}`);
        return row.status === 'ready' ? row : undefined;
      },
      { what: 'the export to be ready' },
    );
    const stored = await worker.current.deps.services.files.list(`tenants/${tenant.tenantId}/exports/`);
    expect(stored).toEqual([ready.storageKey]);

    const [mail] = await eventually(async () => {
      const mails = smtp.current.to(adminEmail);
      return mails.length > 0 ? mails : undefined;
    });
    expect(mail?.subject).toBe('Worker Export: your data export is ready');
    expect(mail?.text).toContain(`/data-privacy?export=${requested.id}`);
    // The mail never carries a bearer link to the archive itself.
    expect(mail?.text).not.toContain('/api/data/exports');

    const expiry = await worker.current.deps.jobs.queue('lifecycle').getJob(`data.export_expire_${requested.id}`);
    expect(await expiry?.getState()).toBe('delayed');
    expect((expiry?.timestamp ?? 0) + (expiry?.opts.delay ?? 0)).toBeGreaterThanOrEqual(
      (ready.expiresAt?.getTime() ?? 0) - 5_000,
    );
  });
});
