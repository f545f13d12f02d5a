import { TenantUser } from '@digame/core/members';
import { TenantOffboarding } from '@digame/core/offboarding';
import { createTenantWithMembers, rawClient, type TenantFixture } from '@digame/core/testing';
import type { AnyProcedure } from '@trpc/server';
import { beforeAll, describe, expect, it } from 'vitest';
import { auditEntries, clientAs, expectRefused } from '../../testing/admin.js';
import { postTrpc } from '../../testing/identity.js';
import { useTestApi } from '../../testing/test-api.js';
import { appRouter } from '../router.js';
import { OFFBOARDING_WRITABLE } from '../trpc.js';

const api = useTestApi();
let acme: TenantFixture;
let globex: TenantFixture;

beforeAll(async () => {
  acme = await createTenantWithMembers(api.database.db, 'Acme Danger', 'professional');
  globex = await createTenantWithMembers(api.database.db, 'Globex Danger', 'professional');
});

const scheduleOf = async (tenantId: number) =>
  api.database.db.inTenant(tenantId, (em) => em.findOne(TenantOffboarding, { tenant: tenantId }));

describe('who may schedule and cancel a deletion', () => {
  it('refuses members without both tenant.update and billing.manage, naming the missing permission', async () => {
    for (const role of ['manager', 'member', 'viewer'] as const) {
      const client = await clientAs(api, acme, role);
      await expectRefused(
        client.offboarding.schedule.mutate({ reason: 'Not mine to decide', confirmation: acme.slug }),
        'FORBIDDEN',
        'Missing permission: tenant.update',
      );
      await expectRefused(client.offboarding.cancel.mutate(), 'FORBIDDEN', 'Missing permission: tenant.update');
    }
    // An admin whose billing.manage is denied may not either.
    await api.database.db.inTenant(acme.tenantId, async (em) => {
      const membership = await em.findOneOrFail(TenantUser, { user: acme.users.admin });
      membership.permissions = { grant: [], deny: ['billing.manage'] };
    });
    const restricted = await clientAs(api, acme, 'admin');
    await expectRefused(
      restricted.offboarding.schedule.mutate({ reason: 'Half an admin', confirmation: acme.slug }),
      'FORBIDDEN',
      'Missing permission: billing.manage',
    );
    await api.database.db.inTenant(acme.tenantId, async (em) => {
      const membership = await em.findOneOrFail(TenantUser, { user: acme.users.admin });
      membership.permissions = { grant: [], deny: [] };
    });
    expect(await scheduleOf(acme.tenantId)).toBeNull();
  });

  it('refuses API keys, whatever their scopes', async () => {
    const admin = await clientAs(api, acme, 'admin');
    const key = await admin.apiKeys.create.mutate({
      name: 'all',
      scopes: ['tenant.read', 'tenant.update', 'billing.manage'],
    });
    const refused = await expectRefused(
      api.client(key.key).offboarding.schedule.mutate({ reason: 'A script did it', confirmation: acme.slug }),
      'FORBIDDEN',
    );
    expect(refused.data.details).toMatchObject({ reason: 'session_required' });
    expect(await scheduleOf(acme.tenantId)).toBeNull();
  });

  it('answers bad input with BAD_REQUEST and a message per field', async () => {
    const admin = await clientAs(api, acme, 'admin');
    const empty = await expectRefused(
      admin.offboarding.schedule.mutate({ reason: ' x ', confirmation: '' }),
      'BAD_REQUEST',
    );
    expect(empty.data.fields).toEqual({
      reason: 'say why (at least 3 characters)',
      confirmation: 'type the organization’s slug to confirm',
    });
    const wrong = await expectRefused(
      admin.offboarding.schedule.mutate({ reason: 'Closing down', confirmation: 'acme' }),
      'BAD_REQUEST',
    );
    expect(wrong.data.fields).toEqual({ confirmation: `type ${acme.slug} to confirm` });
    const unknownField = await expectRefused(
      admin.offboarding.schedule.mutate({ reason: 'Closing', confirmation: acme.slug, deleteAt: 'now' } as never),
      'BAD_REQUEST',
    );
    expect(Object.keys(unknownField.data.fields ?? {})).toEqual(['(input)']);
    await expectRefused(admin.offboarding.cancel.mutate(), 'PRECONDITION_FAILED', /not scheduled for deletion/);
    expect(await scheduleOf(acme.tenantId)).toBeNull();
  });
});

describe('another tenant', () => {
  it('can neither see, schedule nor cancel the deletion: it answers like an unknown organization', async () => {
    const acmeAdmin = await clientAs(api, acme, 'admin');
    await acmeAdmin.offboarding.schedule.mutate({ reason: 'Acme is leaving', confirmation: acme.slug });
    const intruder = await clientAs(api, globex, 'admin');
    const unknown = crypto.randomUUID();
    for (const tenantId of [acme.tenantUuid, unknown]) {
      await expectRefused(intruder.offboarding.get.query({ tenantId }), 'NOT_FOUND', 'Tenant not found');
      await expectRefused(intruder.offboarding.cancel.mutate({ tenantId }), 'NOT_FOUND', 'Tenant not found');
      await expectRefused(
        intruder.offboarding.schedule.mutate({ tenantId, reason: 'Hostile', confirmation: acme.slug }),
        'NOT_FOUND',
        'Tenant not found',
      );
    }
    expect((await intruder.offboarding.get.query()).schedule).toBeNull();
    // Globex is not read-only because of Acme, and Acme's schedule is untouched.
    await intruder.settings.set.mutate({ category: 'general', key: 'locale', value: 'en-GB' });
    expect(await scheduleOf(acme.tenantId)).toMatchObject({ reason: 'Acme is leaving', cancelledAt: null });
    await acmeAdmin.offboarding.cancel.mutate();
  });

  it('cannot see the schedule with the ORM filter off: row-level security hides it', async () => {
    const acmeAdmin = await clientAs(api, acme, 'admin');
    await acmeAdmin.offboarding.schedule.mutate({ reason: 'Filter test', confirmation: acme.slug });
    const seen = await api.database.db.inTenant(globex.tenantId, (em) =>
      em.find(TenantOffboarding, {}, { filters: false }),
    );
    expect(seen).toEqual([]);
    const app = await rawClient(api.database.appUrl);
    try {
      await app.query('begin');
      await app.query("select set_config('app.current_tenant_id', $1, true)", [String(globex.tenantId)]);
      expect((await app.query('select * from tenant_offboardings')).rows).toEqual([]);
      const moved = await app.query('update tenant_offboardings set delete_at = now() where tenant_id = $1', [
        acme.tenantId,
      ]);
      expect(moved.rowCount).toBe(0);
      // Nor can it run the purge for another tenant (it acts on the unit's own tenant, which is not due).
      await expect(app.query('select * from offboarding_purge()')).rejects.toThrow(/not due/);
      await app.query('rollback');
      // The operators' record of deletions is out of the app role's reach altogether.
      await expect(app.query('select * from tenant_deletions')).rejects.toThrow(/permission denied/);
    } finally {
      await app.end();
    }
    await acmeAdmin.offboarding.cancel.mutate();
  });
});

describe('while scheduled', () => {
  it('refuses every mutation of the api but the listed few, before it reads the input', async () => {
    const adminToken = await api.sessionToken({ tenantId: acme.tenantId, userId: acme.users.admin, role: 'admin' });
    await api.client(adminToken).offboarding.schedule.mutate({ reason: 'All of them', confirmation: acme.slug });
    const mutations = Object.entries(appRouter._def.procedures as unknown as Record<string, AnyProcedure>)
      .filter(([, procedure]) => (procedure._def as { type: string }).type === 'mutation')
      .map(([path]) => path)
      // Cancelling would end the test's premise; it has its own tests.
      .filter((path) => path !== 'offboarding.cancel');
    const answers: Record<string, string> = {};
    for (const path of mutations) {
      const { body } = await postTrpc(api, path, {}, { authorization: `Bearer ${adminToken}` });
      const reason = (body.error?.data as { details?: { reason?: string } } | undefined)?.details?.reason;
      answers[path] = reason === 'tenant_offboarding' ? 'read-only' : 'passed';
    }
    const passed = Object.entries(answers)
      .filter(([, answer]) => answer === 'passed')
      .map(([path]) => path);
    // Public mutations (sign-in, sign-up, password reset, invitations) know no tenant; the rest are the exceptions.
    const allowed = passed.filter((path) => !OFFBOARDING_WRITABLE.has(path));
    expect(allowed.filter((path) => !/^(auth|mfa|invitations|tenants)\./.test(path))).toEqual([]);
    expect(passed).toEqual(expect.arrayContaining(['auth.signOut', 'sessions.revoke', 'apiKeys.revoke']));
    expect(Object.values(answers).filter((answer) => answer === 'read-only').length).toBeGreaterThan(30);
    expect(answers['settings.set']).toBe('read-only');
    await api.client(adminToken).offboarding.cancel.mutate();
  });
});

describe('platform operators', () => {
  it('schedule and cancel another organization’s deletion through the audited operator path', async () => {
    const operator = await clientAs(api, globex, 'admin', { platformOperator: true });
    const scheduled = await operator.offboarding.schedule.mutate({
      tenantId: acme.tenantUuid,
      reason: 'Contract ended',
      confirmation: acme.slug,
    });
    expect(scheduled.schedule).toMatchObject({ requestedByOperator: true, reason: 'Contract ended' });
    const acmeMember = await clientAs(api, acme, 'member');
    await expectRefused(
      acmeMember.support.open.mutate({ subject: 'Why?', body: 'Why read-only?' }),
      'PRECONDITION_FAILED',
    );
    expect((await operator.offboarding.get.query({ tenantId: acme.tenantUuid })).schedule?.reason).toBe(
      'Contract ended',
    );
    await operator.offboarding.cancel.mutate({ tenantId: acme.tenantUuid });
    expect(
      (await auditEntries(api.database.db, acme.tenantId, 'platform.tenant_accessed')).length,
    ).toBeGreaterThanOrEqual(3);
    const actions = (await auditEntries(api.database.db, acme.tenantId, 'tenant.deletion_scheduled')).map(
      (entry) => entry.details,
    );
    expect(actions.at(-1)).toMatchObject({ reason: 'Contract ended', byOperator: true });
    expect(await (await clientAs(api, globex, 'admin')).offboarding.deletions.query()).toEqual([]);
    await expectRefused((await clientAs(api, acme, 'admin')).offboarding.deletions.query(), 'FORBIDDEN');
  });
});
