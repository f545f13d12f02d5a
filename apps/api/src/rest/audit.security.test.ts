import { TenantAuditLog } from '@digame/core/audit';
import { createTenantWithMembers, rawClient, type TenantFixture } from '@digame/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectRefused } from '../testing/admin.js';
import { getBytes } from '../testing/files.js';
import { useTestApi } from '../testing/test-api.js';

const api = useTestApi();
let acme: TenantFixture;
let globex: TenantFixture;
let acmeToken: string;
let globexToken: string;

beforeAll(async () => {
  // The audit_logs feature is Enterprise's.
  acme = await createTenantWithMembers(api.database.db, 'Acme', 'enterprise');
  globex = await createTenantWithMembers(api.database.db, 'Globex', 'enterprise');
  acmeToken = await api.sessionToken({ tenantId: acme.tenantId, userId: acme.users.admin, role: 'admin' });
  globexToken = await api.sessionToken({ tenantId: globex.tenantId, userId: globex.users.admin, role: 'admin' });
  // Entries that differ per tenant, through the API: each creates an invitation.
  await api.client(acmeToken).invitations.create.mutate({ email: 'first@acme.test', role: 'member' });
  await api.client(acmeToken).invitations.create.mutate({ email: 'second@acme.test', role: 'viewer' });
  await api.client(globexToken).invitations.create.mutate({ email: 'spy@globex.test', role: 'member' });
});

const exported = async (token: string, query: string) => {
  const response = await getBytes(api, token, `/api/audit/export?${query}`);
  return { ...response, text: response.bytes.toString('utf8') };
};

describe('audit export', () => {
  it('streams the filtered range as JSON with the chain links, only of the caller’s tenant', async () => {
    const response = await exported(acmeToken, 'format=json&action=invitation.*');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(response.headers.get('content-disposition')).toMatch(/^attachment; filename="audit-\d{4}-\d\d-\d\d\.json"$/);
    const rows = JSON.parse(response.text) as {
      action: string;
      details: { email: string };
      seq: number;
      hash: string;
      prevHash: string;
    }[];
    expect(rows.map((row) => [row.action, row.details.email])).toEqual([
      ['invitation.created', 'first@acme.test'],
      ['invitation.created', 'second@acme.test'],
    ]);
    expect(rows[1]!.seq).toBeGreaterThan(rows[0]!.seq);
    expect(response.text).not.toContain('spy@globex.test');
  });

  it('streams CSV, narrowed by time', async () => {
    const all = await exported(acmeToken, 'format=csv');
    expect(all.status).toBe(200);
    expect(all.headers.get('content-type')).toMatch(/^text\/csv/);
    const lines = all.text.trim().split('\n');
    expect(lines[0]).toMatch(/^seq,id,createdAt,action,/);
    expect(lines.length).toBeGreaterThan(2);
    expect(all.text).not.toContain('spy@globex.test');
    const future = new Date(Date.now() + 3_600_000).toISOString();
    const none = await exported(acmeToken, `format=csv&from=${encodeURIComponent(future)}`);
    expect(none.text.trim().split('\n')).toHaveLength(1);
  });

  it('refuses without audit.read, without the feature, and with bad filters, naming what is wrong', async () => {
    const memberToken = await api.sessionToken({ tenantId: acme.tenantId, userId: acme.users.member, role: 'member' });
    const member = await exported(memberToken, 'format=csv');
    expect(member.status).toBe(403);
    expect(JSON.parse(member.text).error.details).toMatchObject({
      reason: 'missing_permission',
      permission: 'audit.read',
    });

    const basic = await createTenantWithMembers(api.database.db, 'Small Shop', 'professional');
    const basicToken = await api.sessionToken({ tenantId: basic.tenantId, userId: basic.users.admin, role: 'admin' });
    const locked = await exported(basicToken, 'format=csv');
    expect(locked.status).toBe(403);
    expect(JSON.parse(locked.text).error.details).toMatchObject({
      reason: 'feature_not_available',
      feature: 'audit_logs',
      requiredTier: 'enterprise',
    });

    const bad = await exported(acmeToken, 'format=xml&from=yesterday');
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.text).error.fields).toMatchObject({
      format: 'must be csv or json',
      from: expect.any(String),
    });
    expect(bad.text).not.toMatch(/select|stack|at \//i);
    expect((await exported('not-a-token', 'format=csv')).status).toBe(401);
  });
});

describe('audit verify', () => {
  it('reports an intact chain, and the tampered entry only to its own tenant', async () => {
    const acmeClient = api.client(acmeToken);
    const before = await acmeClient.audit.verify.query();
    expect(before).toMatchObject({ valid: true, firstBreak: null });
    expect(before.entriesChecked).toBeGreaterThanOrEqual(2);

    const [target] = await api.database.db.inTenant(globex.tenantId, (em) =>
      em.find(TenantAuditLog, { action: 'invitation.created' }),
    );
    const owner = await rawClient(api.database.ownerUrl);
    try {
      await owner.query('begin');
      await owner.query("select set_config('app.current_tenant_id', $1, true)", [String(globex.tenantId)]);
      await owner.query('alter table tenant_audit_logs disable trigger audit_append_only');
      await owner.query(`update tenant_audit_logs set action = 'invitation.revoked' where tenant_id = $1 and id = $2`, [
        globex.tenantId,
        target!.id,
      ]);
      await owner.query('alter table tenant_audit_logs enable trigger audit_append_only');
      await owner.query('commit');
    } finally {
      await owner.end();
    }
    const globexResult = await api.client(globexToken).audit.verify.query();
    expect(globexResult).toMatchObject({
      valid: false,
      firstBreak: { seq: target!.seq, entryId: target!.id, problem: 'entry_modified' },
    });
    expect(await acmeClient.audit.verify.query()).toMatchObject({ valid: true, firstBreak: null });
    const memberToken = await api.sessionToken({ tenantId: acme.tenantId, userId: acme.users.viewer, role: 'viewer' });
    await expectRefused(api.client(memberToken).audit.verify.query(), 'FORBIDDEN');
  });
});
