import { useTestApi } from '@digame/api/testing';
import { createTenantWithMembers, useSmtpReceiver } from '@digame/core/testing';
import { describe, expect, it } from 'vitest';
import { useInProcessWorker } from './testing/in-process.js';
import { eventually } from './testing/processes.js';

const api = useTestApi();
const smtp = useSmtpReceiver();
const worker = useInProcessWorker(() => ({
  databaseUrl: api.database.appUrl,
  prefix: api.config.REDIS_PREFIX,
  smtpUrl: smtp.current.url,
}));

describe('operations.queues', () => {
  it('shows operators each queue counts and recent failures, without payloads', async () => {
    const t = await createTenantWithMembers(api.database.db, 'Ops Co');
    await worker.current.deps.jobs.enqueue('trials.apply', { tenantId: 424_242 }, { jobId: 'ghost-trial' });
    await eventually(
      async () =>
        (await (await worker.current.deps.jobs.queue('lifecycle').getJob('ghost-trial'))?.getState()) === 'failed'
          ? true
          : undefined,
      { what: 'the job to fail' },
    );
    const operator = api.client(
      await api.sessionToken({ tenantId: t.tenantId, userId: t.users.admin, role: 'admin', platformOperator: true }),
    );
    const { queues } = await operator.operations.queues.query({ failures: 10 });
    expect(queues.map((queue) => queue.name)).toEqual(['emails', 'usage', 'lifecycle', 'outbox']);
    const lifecycle = queues.find((queue) => queue.name === 'lifecycle');
    expect(lifecycle?.counts.failed).toBeGreaterThanOrEqual(1);
    expect(lifecycle?.recentFailures).toContainEqual(
      expect.objectContaining({
        id: 'ghost-trial',
        name: 'trials.apply',
        // No tenant has that internal id, so there is no public id to show.
        tenantId: null,
        reason: 'unknown tenant',
        attemptsMade: 1,
      }),
    );
  });

  it('refuses tenant admins who are not platform operators', async () => {
    const t = await createTenantWithMembers(api.database.db, 'Not Ops');
    const admin = api.client(await api.sessionToken({ tenantId: t.tenantId, userId: t.users.admin, role: 'admin' }));
    await expect(admin.operations.queues.query({ failures: 5 })).rejects.toMatchObject({
      data: { code: 'FORBIDDEN' },
    });
  });
});
