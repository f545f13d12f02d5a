import { Readable } from 'node:stream';
import { exportArchiveKey, requestTenantExport, TenantDataExport } from '@digame/core/data-rights';
import { restoreArchiveKey, restoreStatus, stageRestore } from '@digame/core/restore';
import { tenantContext } from '@digame/core/services';
import { createTenantWithMembers, createTestBucket, useSmtpReceiver, useTestDatabase } from '@digame/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { useInProcessWorker } from './testing/in-process.js';
import { eventually, randomPrefix } from './testing/processes.js';

const database = useTestDatabase();
const smtp = useSmtpReceiver();
const prefix = randomPrefix('restore');
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

const deps = () => ({ db: worker.current.deps.db, services: worker.current.deps.services });
const operator = { userId: '0193a000-0000-7000-8000-0000000000aa', ipAddress: '198.51.100.1' };

async function bytesOf(key: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of await worker.current.deps.services.files.get(key)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function stage(archive: Buffer): Promise<string> {
  const { restoreId } = await stageRestore(deps(), {
    body: Readable.from([archive]),
    sizeBytes: archive.length,
    actor: operator,
  });
  return restoreId;
}

const settled = (restoreId: string) =>
  eventually(
    async () => {
      const status = await restoreStatus(worker.current.deps.jobs, restoreId);
      return status?.state === 'done' || status?.state === 'failed' ? status : undefined;
    },
    { what: `restore ${restoreId} to finish`, timeoutMs: 30_000 },
  );

describe('data.restore', () => {
  let archive: Buffer;
  beforeAll(async () => {
    const tenant = await createTenantWithMembers(database.db, 'Worker Restore');
    const requested = await database.db.inTenant(tenant.tenantId, (em) =>
      requestTenantExport(
        tenantContext(em, tenant.tenantId, { userId: tenant.users.admin }, worker.current.deps.services),
      ),
    );
    await eventually(
      async () => {
        const row = await database.db.inTenant(tenant.tenantId, (em) =>
          em.findOneOrFail(TenantDataExport, { tenant: tenant.tenantId, id: requested.id }),
        );
        return row.status === 'ready' ? row : undefined;
      },
      { what: 'the export' },
    );
    archive = await bytesOf(exportArchiveKey(tenant.tenantId, requested.id));
  });

  it('restores a staged archive with progress, removes the staging copy and mails the members a set-password link', async () => {
    const restoreId = await stage(archive);
    const status = await settled(restoreId);
    expect(status).toMatchObject({ state: 'done', progress: 1, error: null, tenant: { name: 'Worker Restore' } });
    expect(status.tenant?.slug).toMatch(/^worker-restore-[a-z2-9]{6}$/);
    expect(await worker.current.deps.services.files.list('restores/')).toEqual([]);
    // The fixture's members have no password: each gets a link to set one, for the restored organization.
    for (const role of ['admin', 'manager', 'member', 'viewer']) {
      const mail = await eventually(
        async () => smtp.current.to(`${role}@worker-restore.test`).find((m) => m.text.includes('/set-password?token=')),
        { what: `the ${role}'s mail` },
      );
      expect(mail.subject).toContain('Worker Restore');
    }
  });

  it('fails for good, with the reason and nothing kept, when the staged archive no longer verifies', async () => {
    // The staged copy is cut short after its check at upload, before the worker reads it.
    const queue = worker.current.deps.jobs.queue('lifecycle');
    await queue.pause();
    const restoreId = await stage(archive);
    const cut = archive.subarray(0, Math.floor(archive.length / 2));
    await worker.current.deps.services.files.put(restoreArchiveKey(restoreId), Readable.from([cut]), cut.length);
    await queue.resume();
    const [before] = await database.db.inGlobal((em) =>
      em.execute<{ n: number }[]>('select count(*)::int as n from tenants'),
    );
    const status = await settled(restoreId);
    expect(status.state).toBe('failed');
    expect(status.error).toMatch(/^The archive is damaged or not an export: /);
    expect(await worker.current.deps.services.files.list('restores/')).toEqual([]);
    const [after] = await database.db.inGlobal((em) =>
      em.execute<{ n: number }[]>('select count(*)::int as n from tenants'),
    );
    expect(after?.n).toBe(before?.n);
  });
});
