import { TenantUser } from '@digame/core/members';
import { createTenantWithMembers, type TenantFixture } from '@digame/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  auditEntries,
  clientAs,
  expectRefused,
  indexedSessionToken,
  setTenantColumns,
  tenantUuid,
} from '../../testing/admin.js';
import { useTestApi } from '../../testing/test-api.js';

const api = useTestApi();
let acme: TenantFixture;
let globex: TenantFixture;

beforeAll(async () => {
  acme = await createTenantWithMembers(api.database.db, 'Acme', 'professional');
  globex = await createTenantWithMembers(api.database.db, 'Globex', 'professional');
});

async function memberIdOf(tenant: TenantFixture, role: keyof TenantFixture['users']): Promise<string> {
  return api.database.db.inTenant(tenant.tenantId, async (em) => {
    const member = await em.findOneOrFail(TenantUser, { user: tenant.users[role] });
    return member.id;
  });
}

async function freshTenant(name: string): Promise<TenantFixture> {
  return createTenantWithMembers(api.database.db, name, 'professional');
}

describe('members.list', () => {
  it.each(['admin', 'manager', 'member'] as const)(
    'lists members for a %s, with role, active and search filters',
    async (role) => {
      const client = await clientAs(api, acme, role);
      const all = await client.members.list.query({});
      expect(all.items.map((member) => member.role).sort()).toEqual(['admin', 'manager', 'member', 'viewer']);
      expect(all.items.find((member) => member.role === 'viewer')).toMatchObject({
        email: 'viewer@acme.test',
        fullName: 'Acme viewer',
        isActive: true,
        effectivePermissions: ['files.read', 'settings.read', 'tenant.read'],
      });
      expect((await client.members.list.query({ role: 'member', active: true })).items.map((m) => m.email)).toEqual([
        'member@acme.test',
      ]);
      expect((await client.members.list.query({ active: false })).items).toEqual([]);
      expect((await client.members.list.query({ search: 'MANAG' })).items.map((m) => m.email)).toEqual([
        'manager@acme.test',
      ]);
    },
  );

  it('pages with a cursor', async () => {
    const client = await clientAs(api, acme, 'admin');
    const first = await client.members.list.query({ limit: 3 });
    expect(first.items).toHaveLength(3);
    const rest = await client.members.list.query({ limit: 3, cursor: first.nextCursor ?? undefined });
    expect(rest.items).toHaveLength(1);
    expect(rest.nextCursor).toBeNull();
    expect(new Set([...first.items, ...rest.items].map((member) => member.id)).size).toBe(4);
  });

  it('refuses a viewer, and never lists another tenant', async () => {
    await expectRefused(
      (await clientAs(api, acme, 'viewer')).members.list.query({}),
      'FORBIDDEN',
      'Missing permission: users.read',
    );
    const admin = await clientAs(api, acme, 'admin');
    await expectRefused(
      admin.members.list.query({ tenantId: await tenantUuid(api.database.db, globex.tenantId) }),
      'NOT_FOUND',
      'Tenant not found',
    );
    const emails = (await admin.members.list.query({ search: 'globex' })).items;
    expect(emails).toEqual([]);
  });
});

describe('members.changeRole', () => {
  it('changes a role, audits it and updates the member’s live sessions at once', async () => {
    const tenant = await freshTenant('Roles');
    const memberToken = await indexedSessionToken(api, tenant, 'member');
    const memberClient = api.client(memberToken);
    expect((await memberClient.auth.whoami.query()).role).toBe('member');

    const admin = await clientAs(api, tenant, 'admin');
    const changed = await admin.members.changeRole.mutate({
      memberId: await memberIdOf(tenant, 'member'),
      role: 'viewer',
    });
    expect(changed.role).toBe('viewer');
    const me = await memberClient.auth.whoami.query();
    expect(me.role).toBe('viewer');
    expect(me.permissions).not.toContain('users.read');
    await expectRefused(memberClient.members.list.query({}), 'FORBIDDEN');

    const [entry] = await auditEntries(api.database.db, tenant.tenantId, 'member.role_changed');
    expect(entry?.user?.id).toBe(tenant.users.admin);
    expect(entry?.details).toMatchObject({ before: { role: 'member' }, after: { role: 'viewer' } });
  });

  it('lets a manager manage members and viewers, but not admins or the admin role', async () => {
    const tenant = await freshTenant('Managed');
    const manager = await clientAs(api, tenant, 'manager');
    expect(
      (await manager.members.changeRole.mutate({ memberId: await memberIdOf(tenant, 'viewer'), role: 'member' })).role,
    ).toBe('member');
    await expectRefused(
      manager.members.changeRole.mutate({ memberId: await memberIdOf(tenant, 'member'), role: 'admin' }),
      'FORBIDDEN',
      /permissions you do not hold/,
    );
    await expectRefused(
      manager.members.changeRole.mutate({ memberId: await memberIdOf(tenant, 'admin'), role: 'viewer' }),
      'FORBIDDEN',
      /permissions you do not hold/,
    );
  });

  it.each(['member', 'viewer'] as const)('refuses a %s', async (role) => {
    const client = await clientAs(api, acme, role);
    await expectRefused(
      client.members.changeRole.mutate({ memberId: await memberIdOf(acme, 'viewer'), role: 'member' }),
      'FORBIDDEN',
      'Missing permission: users.manage',
    );
  });

  it('keeps at least one active admin', async () => {
    const tenant = await freshTenant('Solo');
    const admin = await clientAs(api, tenant, 'admin');
    const adminId = await memberIdOf(tenant, 'admin');
    await expectRefused(
      admin.members.changeRole.mutate({ memberId: adminId, role: 'manager' }),
      'PRECONDITION_FAILED',
      /at least one active admin/,
    );
    await expectRefused(
      admin.members.deactivate.mutate({ memberId: adminId }),
      'PRECONDITION_FAILED',
      /at least one active admin/,
    );
    await expectRefused(
      admin.members.remove.mutate({ memberId: adminId }),
      'PRECONDITION_FAILED',
      /at least one active admin/,
    );
  });

  it('answers another tenant’s member id like an unknown one, and changes nothing there', async () => {
    const admin = await clientAs(api, acme, 'admin');
    const theirs = await memberIdOf(globex, 'member');
    for (const call of [
      admin.members.changeRole.mutate({ memberId: theirs, role: 'viewer' }),
      admin.members.setPermissions.mutate({ memberId: theirs, grant: ['audit.read'] }),
      admin.members.deactivate.mutate({ memberId: theirs }),
      admin.members.reactivate.mutate({ memberId: theirs }),
      admin.members.remove.mutate({ memberId: theirs }),
    ]) {
      await expectRefused(call, 'NOT_FOUND', 'Member not found');
    }
    const row = await api.database.db.inTenant(globex.tenantId, (em) => em.findOneOrFail(TenantUser, { id: theirs }));
    expect(row).toMatchObject({ role: 'member', isActive: true, permissions: {} });
  });
});

describe('members.setPermissions', () => {
  it('grants and denies on top of the role, reaching live sessions', async () => {
    const tenant = await freshTenant('Overrides');
    const memberClient = api.client(await indexedSessionToken(api, tenant, 'member'));
    const admin = await clientAs(api, tenant, 'admin');
    const updated = await admin.members.setPermissions.mutate({
      memberId: await memberIdOf(tenant, 'member'),
      grant: ['audit.read'],
      deny: ['users.read'],
    });
    expect(updated.permissionOverrides).toEqual({ grant: ['audit.read'], deny: ['users.read'] });
    expect(updated.effectivePermissions).toContain('audit.read');
    expect(updated.effectivePermissions).not.toContain('users.read');
    const me = await memberClient.auth.whoami.query();
    expect(me.permissions).toContain('audit.read');
    await expectRefused(memberClient.members.list.query({}), 'FORBIDDEN', 'Missing permission: users.read');
    const [entry] = await auditEntries(api.database.db, tenant.tenantId, 'member.permissions_changed');
    expect(entry?.details).toMatchObject({
      before: { permissions: {} },
      after: { permissions: { grant: ['audit.read'] } },
    });
  });

  it('refuses unknown permissions and grants beyond the caller’s own', async () => {
    const manager = await clientAs(api, acme, 'manager');
    const { data } = await expectRefused(
      manager.members.setPermissions.mutate({ memberId: await memberIdOf(acme, 'viewer'), grant: ['root' as never] }),
      'BAD_REQUEST',
    );
    expect(Object.keys(data.fields ?? {})).toEqual(['grant.0']);
    await expectRefused(
      manager.members.setPermissions.mutate({ memberId: await memberIdOf(acme, 'viewer'), grant: ['billing.manage'] }),
      'FORBIDDEN',
      /billing\.manage/,
    );
  });
});

describe('deactivation, reactivation and removal', () => {
  it('deactivation ends live sessions and frees the seat; reactivation respects the seat limit', async () => {
    const tenant = await freshTenant('Seats');
    const viewerClient = api.client(await indexedSessionToken(api, tenant, 'viewer'));
    expect((await viewerClient.auth.whoami.query()).role).toBe('viewer');
    const admin = await clientAs(api, tenant, 'admin');
    const viewerId = await memberIdOf(tenant, 'viewer');

    expect((await admin.members.deactivate.mutate({ memberId: viewerId })).isActive).toBe(false);
    await expectRefused(viewerClient.auth.whoami.query(), 'UNAUTHORIZED');
    expect((await admin.usage.get.query()).users.current).toBe(3);
    expect(await auditEntries(api.database.db, tenant.tenantId, 'member.deactivated')).toHaveLength(1);

    await setTenantColumns(api, tenant.tenantId, { maxUsers: 3 });
    await expectRefused(
      admin.members.reactivate.mutate({ memberId: viewerId }),
      'PRECONDITION_FAILED',
      /Seat limit reached/,
    );
    await setTenantColumns(api, tenant.tenantId, { maxUsers: 4 });
    expect((await admin.members.reactivate.mutate({ memberId: viewerId })).isActive).toBe(true);
    expect(await auditEntries(api.database.db, tenant.tenantId, 'member.reactivated')).toHaveLength(1);
  });

  it('removal deletes the membership, ends sessions and is audited', async () => {
    const tenant = await freshTenant('Removal');
    const memberClient = api.client(await indexedSessionToken(api, tenant, 'member'));
    const manager = await clientAs(api, tenant, 'manager');
    const memberId = await memberIdOf(tenant, 'member');
    expect(await manager.members.remove.mutate({ memberId })).toEqual({ removed: true });
    await expectRefused(memberClient.auth.whoami.query(), 'UNAUTHORIZED');
    expect((await manager.members.list.query({})).items.map((m) => m.role).sort()).toEqual([
      'admin',
      'manager',
      'viewer',
    ]);
    const [entry] = await auditEntries(api.database.db, tenant.tenantId, 'member.removed');
    expect(entry?.details).toMatchObject({ before: { email: 'member@removal.test', role: 'member' } });
    await expectRefused(manager.members.remove.mutate({ memberId }), 'NOT_FOUND');
  });

  it.each(['member', 'viewer'] as const)('refuses deactivate, reactivate and remove to a %s', async (role) => {
    const client = await clientAs(api, acme, role);
    const target = await memberIdOf(acme, 'viewer');
    for (const call of [
      client.members.deactivate.mutate({ memberId: target }),
      client.members.reactivate.mutate({ memberId: target }),
      client.members.remove.mutate({ memberId: target }),
    ]) {
      await expectRefused(call, 'FORBIDDEN', 'Missing permission: users.manage');
    }
  });
});
