import { totpCode } from '@digame/core/auth';
import { createTenantWithMembers, rawClient } from '@digame/core/testing';
import { describe, expect, it } from 'vitest';
import { emailOf, GOOD_PASSWORD, setUserPassword, tokenFromEmail } from '../../testing/identity.js';
import { useTestApi } from '../../testing/test-api.js';

const api = useTestApi();

/** Every row of every table, as text: tenant-scoped tables are read tenant by tenant (RLS binds the owner too). */
async function everythingStored(): Promise<string> {
  const owner = await rawClient(api.database.ownerUrl);
  try {
    const tables = (
      await owner.query<{ tablename: string }>(
        "select tablename from pg_tables where schemaname = 'public' and tablename <> 'mikro_orm_migrations'",
      )
    ).rows.map((row) => row.tablename);
    const tenantIds = (await owner.query<{ id: number }>('select id from tenants')).rows.map((row) => row.id);
    let dump = '';
    for (const tenantId of tenantIds) {
      await owner.query("select set_config('app.current_tenant_id', $1, false)", [String(tenantId)]);
      for (const table of tables) {
        const { rows } = await owner.query(`select row_to_json(t)::text as row from "${table}" t`);
        dump += rows.map((row) => row.row).join('\n');
      }
    }
    return dump;
  } finally {
    await owner.end();
  }
}

describe('secrets at rest', () => {
  it('no password, token, TOTP secret, recovery code or API key is stored in plaintext', async () => {
    const secrets: string[] = [GOOD_PASSWORD];
    const created = await api.client().tenants.create.mutate({
      name: 'Plaintext Audit',
      adminEmail: 'owner@plaintext-audit.test',
      adminName: 'Owner',
      subscriptionTier: 'professional',
    });
    const welcome = await tokenFromEmail(api, 'owner@plaintext-audit.test', 'welcome');
    secrets.push(welcome, welcome.slice(-43));
    const ownerPassword = 'the owner first passphrase';
    secrets.push(ownerPassword);
    await api.client().auth.setPassword.mutate({ token: welcome, password: ownerPassword });

    const signedIn = await api.client().auth.signIn.mutate({
      email: 'owner@plaintext-audit.test',
      password: ownerPassword,
      refreshTokenDelivery: 'body',
    });
    if (signedIn.status !== 'signed_in') throw new Error('expected a session');
    secrets.push(signedIn.refreshToken ?? '', (signedIn.refreshToken ?? '').slice(-43), signedIn.accessToken);
    const rotated = await api.client().auth.refresh.mutate({ refreshToken: signedIn.refreshToken ?? '' });
    secrets.push(rotated.refreshToken ?? '', (rotated.refreshToken ?? '').slice(-43));

    const client = api.client(rotated.accessToken);
    const enrolment = await client.mfa.beginEnrolment.mutate();
    const confirmed = await client.mfa.confirmEnrolment.mutate({
      code: totpCode(enrolment.secret),
      refreshTokenDelivery: 'body',
    });
    secrets.push(
      enrolment.secret,
      ...confirmed.recoveryCodes,
      ...confirmed.recoveryCodes.map((c) => c.replace('-', '')),
    );
    const admin = api.client(confirmed.session.accessToken);
    const { key } = await admin.apiKeys.create.mutate({ name: 'Audit', scopes: ['usage.read'] });
    secrets.push(key, key.slice(-43));

    const other = await createTenantWithMembers(api.database.db, 'Plaintext Others');
    await setUserPassword(api.database.db, other.users.member);
    const memberEmail = await emailOf(api.database.db, other.users.member);
    await api.client().auth.requestPasswordReset.mutate({ email: memberEmail });
    const reset = await tokenFromEmail(api, memberEmail, 'password_reset');
    secrets.push(reset, reset.slice(-43));
    const newPassword = 'a passphrase after reset';
    secrets.push(newPassword);
    await api.client().auth.setPassword.mutate({ token: reset, password: newPassword });
    const member = await api.client().auth.signIn.mutate({ email: memberEmail, password: newPassword });
    expect(member.status).toBe('signed_in');
    const changed = 'changed passphrase too';
    secrets.push(changed);
    if (member.status === 'signed_in') {
      await api
        .client(member.accessToken)
        .auth.changePassword.mutate({ currentPassword: newPassword, newPassword: changed });
    }

    const dump = await everythingStored();
    // The dump really covers the flows' rows.
    expect(dump).toContain(created.tenant.id);
    expect(dump).toContain('apikey.created');
    expect(dump).toContain('"refresh_token_hash"');
    expect(dump).toContain('owner@plaintext-audit.test');
    for (const secret of secrets) {
      expect(secret.length).toBeGreaterThan(7);
      expect(dump).not.toContain(secret);
    }

    // Nor do the Redis records the request path reads (queued emails aside: they must carry the link).
    const keys = await api.deps.redis.keys(`${api.config.REDIS_PREFIX}:*`);
    const records = keys.filter((k) => !k.startsWith(`${api.config.REDIS_PREFIX}:emails:`));
    expect(records.length).toBeGreaterThan(3);
    let redisDump = '';
    for (const k of records) {
      const type = await api.deps.redis.type(k);
      if (type === 'string') redisDump += await api.deps.redis.get(k);
      if (type === 'hash') redisDump += JSON.stringify(await api.deps.redis.hgetall(k));
      if (type === 'set') redisDump += (await api.deps.redis.smembers(k)).join(',');
    }
    for (const secret of secrets) expect(redisDump).not.toContain(secret);
  });
});
