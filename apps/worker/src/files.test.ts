import { Readable } from 'node:stream';
import { fileStorageKey, tenantObjectPrefix } from '@digame/core/files';
import { createTenantWithMembers, createTestBucket, useSmtpReceiver, useTestDatabase } from '@digame/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { useInProcessWorker } from './testing/in-process.js';
import { eventually, randomPrefix } from './testing/processes.js';

const database = useTestDatabase();
const smtp = useSmtpReceiver();
const prefix = randomPrefix('files');
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

async function finalState(id: string) {
  const queue = worker.current.deps.jobs.queue('lifecycle');
  return eventually(
    async () => {
      const state = await (await queue.getJob(id))?.getState();
      return state === 'completed' || state === 'failed' ? state : undefined;
    },
    { what: `job ${id} to finish` },
  );
}

describe('files.purge_object', () => {
  it('removes a deleted file’s bytes from the object store, and only keys under the named tenant', async () => {
    const acme = await createTenantWithMembers(database.db, 'Purge Acme');
    const globex = await createTenantWithMembers(database.db, 'Purge Globex');
    const store = worker.current.deps.services.files;
    const acmeKey = fileStorageKey(acme.tenantId, crypto.randomUUID());
    const globexKey = fileStorageKey(globex.tenantId, crypto.randomUUID());
    for (const key of [acmeKey, globexKey]) await store.put(key, Readable.from([Buffer.from('bytes')]), 5);

    const jobs = worker.current.deps.jobs;
    await jobs.enqueue('files.purge_object', { tenantId: acme.tenantId, key: acmeKey }, { jobId: 'purge-own' });
    expect(await finalState('purge-own')).toBe('completed');
    expect(await store.list(tenantObjectPrefix(acme.tenantId))).toEqual([]);

    // A payload naming one tenant and another tenant's key fails for good and touches nothing.
    await jobs.enqueue('files.purge_object', { tenantId: acme.tenantId, key: globexKey }, { jobId: 'purge-foreign' });
    expect(await finalState('purge-foreign')).toBe('failed');
    const failed = await jobs.queue('lifecycle').getJob('purge-foreign');
    expect(failed?.attemptsMade).toBe(1);
    expect(await store.list(tenantObjectPrefix(globex.tenantId))).toEqual([globexKey]);
  });
});
