import { TenantUser } from '@digame/core/members';
import { apiCallCounterKey, hourStart } from '@digame/core/request';
import { createTenantWithMembers, type TenantFixture } from '@digame/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { auditEntries, clientAs, setTenantColumns } from '../../testing/admin.js';
import {
  emailOf,
  enqueuedEmails,
  eventually,
  GOOD_PASSWORD,
  postTrpc,
  refusedWith,
  setUserPassword,
} from '../../testing/identity.js';
import { useTestApi } from '../../testing/test-api.js';

// One proxy in front, so the tests speak from many addresses; a lockout that outlasts each test.
// Two failures lock an account-and-address pair; eight from anywhere pause the account for strangers.
const api = useTestApi({ TRUSTED_PROXIES: '1', SIGNIN_MAX_FAILURES: '2', SIGNIN_LOCKOUT_SECONDS: '600' });
let acme: TenantFixture;

beforeAll(async () => {
  acme = await createTenantWithMembers(api.database.db, 'Acme Lockouts', 'professional');
  for (const userId of Object.values(acme.users)) await setUserPassword(api.database.db, userId);
});

const from = (address: string) => ({ 'x-forwarded-for': address });
const signIn = (address: string, email: string, password: string) =>
  postTrpc(api, 'auth.signIn', { email, password, refreshTokenDelivery: 'body' }, from(address));
const memberIdOf = (tenant: TenantFixture, userId: string) =>
  api.database.db.inTenant(tenant.tenantId, async (em) => (await em.findOneOrFail(TenantUser, { user: userId })).id);

/** Two wrong passwords from each of four addresses: every pair locked, and the account paused for strangers. */
async function distributedGuess(email: string, network: string): Promise<void> {
  for (let host = 1; host <= 4; host++) {
    for (let guess = 0; guess < 2; guess++) {
      expect((await signIn(`${network}.${host}`, email, `wrong guess ${guess}`)).status).toBe(401);
    }
  }
}

describe('sign-in lock-outs follow the attacker’s address', () => {
  it('a distributed guess pauses strangers’ addresses, never the one the owner signs in from', async () => {
    const owner = await emailOf(api.database.db, acme.users.member);
    expect((await signIn('198.51.100.10', owner, GOOD_PASSWORD)).status).toBe(200);
    await distributedGuess(owner, '203.0.113');
    // A fifth stranger is paused even with the right password: the account is under attack.
    expect((await signIn('203.0.113.50', owner, GOOD_PASSWORD)).status).toBe(429);
    // The owner, from the address they sign in from, is not.
    expect((await signIn('198.51.100.10', owner, GOOD_PASSWORD)).status).toBe(200);
  });

  it('an admin unlocks a member from every address, audited; others may not', async () => {
    const locked = await emailOf(api.database.db, acme.users.viewer);
    await distributedGuess(locked, '192.0.2');
    // From an address they never used, the member is paused like any stranger.
    expect((await signIn('198.51.100.77', locked, GOOD_PASSWORD)).status).toBe(429);
    const memberId = await memberIdOf(acme, acme.users.viewer);

    const viewer = await clientAs(api, acme, 'member');
    expect(await refusedWith(viewer.members.unlockSignIn.mutate({ memberId }))).toMatchObject({
      code: 'FORBIDDEN',
      message: 'Missing permission: users.manage',
    });
    await (await clientAs(api, acme, 'admin')).members.unlockSignIn.mutate({ memberId });
    expect((await signIn('198.51.100.77', locked, GOOD_PASSWORD)).status).toBe(200);
    // The pairs are lifted too: the address that guessed may try again.
    expect((await signIn('192.0.2.1', locked, GOOD_PASSWORD)).status).toBe(200);
    const entries = await auditEntries(api.database.db, acme.tenantId, 'member.sign_in_unlocked');
    expect(entries.map((entry) => [entry.resourceId, entry.user?.id])).toEqual([[memberId, acme.users.admin]]);
  });

  it('a platform operator unlocks a member of any organization, audited there', async () => {
    const other = await createTenantWithMembers(api.database.db, 'Other Lockouts');
    await setUserPassword(api.database.db, other.users.manager);
    const locked = await emailOf(api.database.db, other.users.manager);
    await distributedGuess(locked, '192.0.3');
    expect((await signIn('198.51.100.88', locked, GOOD_PASSWORD)).status).toBe(429);

    const operator = await clientAs(api, acme, 'admin', { platformOperator: true });
    const tenantId = other.tenantUuid;
    await operator.members.unlockSignIn.mutate({ tenantId, memberId: await memberIdOf(other, other.users.manager) });
    expect((await signIn('198.51.100.88', locked, GOOD_PASSWORD)).status).toBe(200);
    expect(await auditEntries(api.database.db, other.tenantId, 'member.sign_in_unlocked')).toHaveLength(1);
    // An admin of another organization reaches nobody there.
    const stranger = await clientAs(api, acme, 'admin');
    expect(
      (await refusedWith(stranger.members.unlockSignIn.mutate({ tenantId, memberId: crypto.randomUUID() }))).code,
    ).toBe('NOT_FOUND');
  });
});

describe('password-reset mails follow the attacker’s address', () => {
  it('requests from strangers cannot use up the owner’s reset mails', async () => {
    const owner = await emailOf(api.database.db, acme.users.manager);
    expect((await signIn('198.51.100.20', owner, GOOD_PASSWORD)).status).toBe(200);
    const resetsTo = async () =>
      (await enqueuedEmails(api)).filter((mail) => mail.to === owner && mail.template === 'password_reset').length;
    // Three from each of four strangers' addresses: ten get through, then the strangers' share is spent.
    for (let host = 1; host <= 4; host++) {
      for (let request = 0; request < 3; request++) {
        const asked = await postTrpc(api, 'auth.requestPasswordReset', { email: owner }, from(`192.0.4.${host}`));
        expect(asked.status).toBe(200);
      }
    }
    await postTrpc(api, 'auth.requestPasswordReset', { email: owner }, from('198.51.100.20'));
    // The owner's request from their own address still gets its mail: the eleventh.
    expect(await eventually(resetsTo, (count) => count >= 11)).toBe(11);
  });
});

describe('a spent hourly API budget', () => {
  it('still lets a signed-in admin find and revoke the runaway key, end sessions and sign out, uncounted', async () => {
    const tenant = await createTenantWithMembers(api.database.db, 'Runaway Script', 'professional');
    const admin = await clientAs(api, tenant, 'admin');
    const { key, apiKey } = await admin.apiKeys.create.mutate({ name: 'cron', scopes: ['usage.read'] });
    await setTenantColumns(api, tenant.tenantId, { apiRateLimit: 5 });
    const script = api.client(key);
    // The script spends what is left of the hour (creating the key was one call).
    for (let call = 0; call < 5; call++) await script.usage.get.query().catch(() => null);
    expect((await refusedWith(script.usage.get.query())).code).toBe('TOO_MANY_REQUESTS');
    expect((await refusedWith(admin.usage.get.query())).code).toBe('TOO_MANY_REQUESTS');
    const counter = () =>
      api.deps.redis.get(apiCallCounterKey(api.config.REDIS_PREFIX, tenant.tenantId, hourStart(Date.now())));
    const before = await counter();

    expect((await admin.apiKeys.list.query()).map((listed) => listed.id)).toContain(apiKey.id);
    await admin.apiKeys.revoke.mutate({ id: apiKey.id });
    expect((await refusedWith(script.usage.get.query())).code).toBe('UNAUTHORIZED');
    expect((await admin.sessions.list.query()).length).toBeGreaterThan(0);
    // Other work still waits for the next hour.
    expect((await refusedWith(admin.members.list.query({}))).code).toBe('TOO_MANY_REQUESTS');
    expect(await admin.auth.signOut.mutate()).toEqual({ ok: true });
    expect(await counter()).toBe(before);
    expect((await refusedWith(admin.sessions.list.query())).code).toBe('UNAUTHORIZED');
  });
});
