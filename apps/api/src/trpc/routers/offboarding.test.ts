import { connectRedis } from '@digame/core/redis';
import { TenantDirectory } from '@digame/core/tenants';
import { createTenantWithMembers, type TenantFixture, testServices } from '@digame/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectRefused, refusal } from '../../testing/admin.js';
import { uploadBytes } from '../../testing/files.js';
import { emailOf, enqueuedEmails, eventually, GOOD_PASSWORD, setUserPassword } from '../../testing/identity.js';
import { useTestApi } from '../../testing/test-api.js';

const api = useTestApi();
const DAY = 86_400_000;
let acme: TenantFixture;
let adminToken: string;
let viewerToken: string;
let memberToken: string;

beforeAll(async () => {
  acme = await createTenantWithMembers(api.database.db, 'Acme Offboarding', 'professional');
  for (const userId of Object.values(acme.users)) await setUserPassword(api.database.db, userId);
  adminToken = await api.sessionToken({ tenantId: acme.tenantId, userId: acme.users.admin, role: 'admin' });
  viewerToken = await api.sessionToken({ tenantId: acme.tenantId, userId: acme.users.viewer, role: 'viewer' });
  memberToken = await api.sessionToken({ tenantId: acme.tenantId, userId: acme.users.member, role: 'member' });
});

/**
 * What a member would check to see that nothing was lost: the organization, its team, settings and
 * files (a member's last activity moves when they sign in, which stays allowed).
 */
async function organizationAsSeen(token: string) {
  const client = api.client(token);
  const { updatedAt: _updated, ...tenant } = await client.tenants.get.query();
  const members = await client.members.list.query({ limit: 100 });
  const settings = await client.settings.list.query({});
  const files = await client.files.list.query({ limit: 100 });
  return {
    tenant,
    members: members.items.map(({ lastActiveAt: _active, ...member }) => member),
    settings,
    files: files.items,
  };
}

describe('scheduling an organization’s deletion', () => {
  it('makes it read-only with the date, mails its admins, and a cancellation restores it exactly', async () => {
    const admin = api.client(adminToken);
    await admin.settings.set.mutate({ category: 'general', key: 'locale', value: 'en-GB' });
    const upload = await uploadBytes(api, adminToken, Buffer.from('keep me'), { name: 'keep.txt' });
    expect(upload.status).toBe(201);
    const key = await admin.apiKeys.create.mutate({ name: 'ci', scopes: ['tenant.read', 'settings.manage'] });
    const before = await organizationAsSeen(adminToken);
    const member = before.members.find((m) => m.userId === acme.users.member);

    const scheduled = await admin.offboarding.schedule.mutate({
      reason: 'We are moving to another vendor',
      confirmation: acme.slug,
    });
    const deleteAt = new Date(scheduled.schedule?.deleteAt ?? 0);
    expect(Math.abs(deleteAt.getTime() - (Date.now() + 30 * DAY))).toBeLessThan(60_000);
    expect(scheduled.schedule).toMatchObject({ retentionDays: 30, requestedByOperator: false, deleting: false });

    // Every member sees the schedule (the console's banner reads it) and can still read everything.
    expect((await api.client(viewerToken).offboarding.get.query()).schedule?.deleteAt).toBe(
      scheduled.schedule?.deleteAt,
    );
    expect((await organizationAsSeen(memberToken)).members).toEqual(before.members);
    const signedIn = await api.client().auth.signIn.mutate({
      email: await emailOf(api.database.db, acme.users.member),
      password: GOOD_PASSWORD,
    });
    expect(signedIn.status).toBe('signed_in');

    // Every other change is refused, naming the date.
    const day = new Intl.DateTimeFormat('en', { dateStyle: 'long', timeZone: 'UTC' }).format(deleteAt);
    const refusals = [
      admin.settings.set.mutate({ category: 'general', key: 'locale', value: 'fr' }),
      admin.tenants.update.mutate({ name: 'Renamed' }),
      admin.invitations.create.mutate({ email: 'new@acme-offboarding.test', role: 'member' }),
      admin.members.changeRole.mutate({ memberId: member?.id ?? '', role: 'manager' }),
      admin.apiKeys.create.mutate({ name: 'another', scopes: ['tenant.read'] }),
      api.client(key.key).settings.set.mutate({ category: 'general', key: 'locale', value: 'de' }),
    ];
    for (const call of refusals) {
      const refused = await refusal(call);
      expect(refused.data.code).toBe('PRECONDITION_FAILED');
      expect(refused.message).toContain(`scheduled for deletion on ${day}`);
      expect(refused.data.details).toMatchObject({ reason: 'tenant_offboarding', deleteAt: deleteAt.toISOString() });
    }
    const refusedUpload = await uploadBytes(api, adminToken, Buffer.from('more'), { name: 'more.txt' });
    expect(refusedUpload.status).toBe(412);
    expect(refusedUpload.body.error.details).toMatchObject({ reason: 'tenant_offboarding' });
    // Scheduling again is refused by the same rule: no second period, no second notice.
    await expectRefused(
      admin.offboarding.schedule.mutate({ reason: 'again', confirmation: acme.slug }),
      'PRECONDITION_FAILED',
      /scheduled for deletion/,
    );

    const notices = (await enqueuedEmails(api)).filter((mail) => mail.template === 'offboarding');
    expect(notices.map((mail) => mail.to)).toEqual([await emailOf(api.database.db, acme.users.admin)]);
    expect(notices[0]?.data).toMatchObject({ subject: `Acme Offboarding is scheduled for deletion on ${day}` });

    const cancelled = await admin.offboarding.cancel.mutate();
    expect(cancelled.schedule).toBeNull();
    expect(await organizationAsSeen(adminToken)).toEqual(before);
    await admin.settings.set.mutate({ category: 'general', key: 'locale', value: 'en-US' });
    expect((await uploadBytes(api, adminToken, Buffer.from('again'), { name: 'again.txt' })).status).toBe(201);
    const cancelNotice = (await enqueuedEmails(api)).find((mail) => mail.template === 'offboarding');
    expect(cancelNotice?.data).toMatchObject({ subject: 'The deletion of Acme Offboarding was cancelled' });
  });

  it('takes its retention period from the organization’s setting, within bounds', async () => {
    const admin = api.client(adminToken);
    const outOfBounds = await expectRefused(
      admin.settings.set.mutate({ category: 'general', key: 'deletionRetentionDays', value: 2 }),
      'BAD_REQUEST',
    );
    expect(Object.values(outOfBounds.data.fields ?? {})).toContain('must be at least 7 days');
    await admin.settings.set.mutate({ category: 'general', key: 'deletionRetentionDays', value: 7 });
    const scheduled = await admin.offboarding.schedule.mutate({ reason: 'Short notice', confirmation: acme.slug });
    expect(scheduled.schedule?.retentionDays).toBe(7);
    expect(Math.abs(new Date(scheduled.schedule?.deleteAt ?? 0).getTime() - (Date.now() + 7 * DAY))).toBeLessThan(
      60_000,
    );
    await admin.offboarding.cancel.mutate();
    await admin.settings.delete.mutate({ category: 'general', key: 'deletionRetentionDays' });
  });

  it('reaches every api node: another process’s cached facts turn read-only and back', async () => {
    const otherNode = new TenantDirectory(api.database.db, api.deps.redis, api.config.REDIS_PREFIX);
    const subscriber = await connectRedis(testServices().redisUrl, 'offboarding-test-node');
    await otherNode.listen(subscriber);
    try {
      expect((await otherNode.get(acme.tenantId))?.scheduledDeletionAt).toBeNull();
      await api.client(adminToken).offboarding.schedule.mutate({ reason: 'Across nodes', confirmation: acme.slug });
      const scheduled = await eventually(
        async () => (await otherNode.get(acme.tenantId))?.scheduledDeletionAt,
        (value) => typeof value === 'string',
      );
      expect(typeof scheduled).toBe('string');
      await api.client(adminToken).offboarding.cancel.mutate();
      const cancelled = await eventually(
        async () => (await otherNode.get(acme.tenantId))?.scheduledDeletionAt,
        (value) => value === null,
      );
      expect(cancelled).toBeNull();
    } finally {
      await subscriber.quit();
    }
  });
});
