import { beforeAll, describe, expect, it } from 'vitest';
import { verifyAuditChain } from '../audit/audit-chain.js';
import { TenantAuditLog } from '../audit/audit-log.entity.js';
import { withPersonal } from '../audit/personal-data.js';
import { effectivePermissions } from '../auth/permissions.js';
import { TenantUser } from '../members/tenant-user.entity.js';
import {
  type PlantedData,
  populateTwoTenants,
  rawClient,
  type TenantFixture,
  useServiceDeps,
  useTestDatabase,
} from '../testing/index.js';
import { TenantDataExport, TenantErasure } from './data-rights.entity.js';
import { erasedAddress, eraseMe, eraseMember, eraseOrphanedAccount } from './erasure.service.js';
import { requestTenantExport } from './export.service.js';

const database = useTestDatabase();
const deps = useServiceDeps(() => database.db);

let alpha: TenantFixture;
let beta: TenantFixture;
let alphaData: PlantedData;
let betaData: PlantedData;

beforeAll(async () => {
  ({ alpha, beta, alphaData, betaData } = await populateTwoTenants(database.db, deps, [
    'Alpha Erasure',
    'Beta Erasure',
  ]));
});

const asAdmin = (tenant: TenantFixture) => ({ actor: { userId: tenant.users.admin, ipAddress: '192.0.2.1' } });
const adminPermissions = effectivePermissions('admin');

async function memberId(tenant: TenantFixture, userId: string): Promise<string> {
  return database.db.inTenant(tenant.tenantId, async (em) => (await em.findOneOrFail(TenantUser, { user: userId })).id);
}

/**
 * Every place a value is still found: each text, varchar, char, json and jsonb column of every
 * table in the database, read as the owner — global tables whole, tenant-scoped ones tenant by
 * tenant (row-level security is forced even for the owner).
 */
async function tracesOf(needles: string[]): Promise<string[]> {
  const owner = await rawClient(database.ownerUrl);
  try {
    const { rows: columns } = await owner.query<{ table_name: string; column_name: string; scoped: boolean }>(
      `select c.relname as table_name, a.attname as column_name,
              exists (select 1 from pg_attribute s where s.attrelid = c.oid and s.attname = 'tenant_id' and not s.attisdropped) as scoped
         from pg_attribute a join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace
         join pg_type t on t.oid = a.atttypid
        where n.nspname = 'public' and c.relkind in ('r', 'p') and a.attnum > 0 and not a.attisdropped
          and t.typname in ('text', 'varchar', 'bpchar', 'json', 'jsonb')
        order by 1, 2`,
    );
    const { rows: tenants } = await owner.query<{ id: number }>('select id from tenants order by id');
    const found: string[] = [];
    const search = async (table: string, column: string, where: string) => {
      for (const needle of needles) {
        const { rows } = await owner.query<{ n: number }>(
          `select count(*)::int as n from "${table}" where ${where} strpos(lower("${column}"::text), lower($1)) > 0`,
          [needle],
        );
        if ((rows[0]?.n ?? 0) > 0) found.push(`${table}.${column} holds ${needle}`);
      }
    };
    for (const { table_name, column_name } of columns.filter((column) => !column.scoped)) {
      await search(table_name, column_name, '');
    }
    for (const { id } of tenants) {
      await owner.query('begin');
      await owner.query("select set_config('app.current_tenant_id', $1, true)", [String(id)]);
      for (const { table_name, column_name } of columns.filter((column) => column.scoped)) {
        await search(table_name, column_name, `tenant_id = ${Number(id)} and`);
      }
      await owner.query('commit');
    }
    return found;
  } finally {
    await owner.end();
  }
}

/** The queued account job of an erasure, as the outbox handed it to BullMQ. */
async function queuedAccountErasure(userId: string) {
  const jobs = await deps.services.jobs.queue('lifecycle').getJobs(['waiting', 'delayed', 'prioritized']);
  const job = jobs.find((candidate) => candidate.name === 'data.erase_account' && candidate.data.userId === userId);
  if (!job) throw new Error(`no account erasure queued for ${userId}`);
  return job.data as { userId: string };
}

describe('erasing a member', () => {
  let person: { email: string; fullName: string };
  let personId: string;
  let membership: string;

  beforeAll(async () => {
    person = alphaData.people.member;
    personId = alpha.users.member;
    membership = await memberId(alpha, personId);
    // Found everywhere before: the search works, and the erasure has something to do.
    expect((await tracesOf([person.email])).length).toBeGreaterThan(5);
    await deps.run(alpha.tenantId, requestTenantExport, asAdmin(alpha));
    const erased = await deps.run(
      alpha.tenantId,
      (ctx) =>
        eraseMember(ctx, {
          memberId: membership,
          confirmEmail: person.email.toUpperCase(),
          actorPermissions: adminPermissions,
        }),
      asAdmin(alpha),
    );
    expect(erased.pseudonym).toBe(personId);
    expect(await eraseOrphanedAccount(database.db, (await queuedAccountErasure(personId)).userId)).toEqual({
      erased: true,
    });
  });

  it('leaves their email and name in no text or JSON column of any table', async () => {
    expect(await tracesOf([person.email, person.fullName])).toEqual([]);
  });

  it('keeps the audit trail verifiable, naming them by id only', async () => {
    const verified = await deps.run(alpha.tenantId, verifyAuditChain);
    expect(verified).toMatchObject({ valid: true });
    const entries = await database.db.inTenant(alpha.tenantId, (em) =>
      em.find(TenantAuditLog, {}, { orderBy: { seq: 'asc' } }),
    );
    const theirs = entries.filter((entry) => entry.user?.id === personId);
    expect(theirs.length).toBeGreaterThan(0);
    expect(theirs.every((entry) => entry.ipAddress === null && entry.userAgent === null)).toBe(true);
    const invited = entries.find((entry) => entry.action === 'invitation.created');
    expect(withPersonal(invited?.details ?? {}, invited?.personal ?? {})).toMatchObject({ email: '[erased]' });
    const erasedEntry = entries.find((entry) => entry.action === 'member.erased');
    expect(erasedEntry).toMatchObject({
      resourceId: membership,
      details: { userId: personId, erasureId: expect.any(String), selfRequested: false },
    });
    expect(erasedEntry?.user?.id).toBe(alpha.users.admin);
  });

  it('removes the membership, their invitations and uploader references; revokes their credentials', async () => {
    const state = await database.db.inTenant(alpha.tenantId, async (em) => {
      const one = async (sql: string) => (await em.execute<{ n: number }[]>(sql, [personId]))[0]?.n;
      return {
        memberships: await one('select count(*)::int as n from tenant_users where user_id = ?'),
        liveSessions: await one(
          'select count(*)::int as n from auth_sessions where user_id = ? and revoked_at is null',
        ),
        liveKeys: await one(
          'select count(*)::int as n from api_keys where created_by_user_id = ? and revoked_at is null',
        ),
        uploads: await one('select count(*)::int as n from tenant_files where uploaded_by_user_id = ?'),
        files: (await em.execute<{ n: number }[]>('select count(*)::int as n from tenant_files'))[0]?.n,
        invitations: (await em.execute<{ email: string }[]>('select email from tenant_invitations order by email')).map(
          (row) => row.email,
        ),
      };
    });
    expect(state).toEqual({
      memberships: 0,
      liveSessions: 0,
      liveKeys: 0,
      uploads: 0,
      files: alphaData.files.length,
      invitations: [alphaData.invitedEmail],
    });
  });

  it('records the erasure without personal data, expires earlier archives, anonymizes the account', async () => {
    const [record] = await database.db.inTenant(alpha.tenantId, (em) => em.find(TenantErasure, {}));
    expect(record).toMatchObject({ subjectUserId: personId, erasedByUserId: alpha.users.admin, selfRequested: false });
    expect(JSON.stringify(record)).not.toContain(person.email);
    const exports = await database.db.inTenant(alpha.tenantId, (em) => em.find(TenantDataExport, {}));
    expect(exports.map((row) => row.status)).toEqual(['expired']);
    const [account] = await database.db.inGlobal((em) =>
      em.execute<{ email: string; is_active: boolean; password_hash: string | null }[]>(
        'select email, is_active, password_hash from users where id = ?',
        [personId],
      ),
    );
    expect(account).toEqual({ email: erasedAddress(personId), is_active: false, password_hash: null });
  });

  it('keeps the erasure record from another tenant, with the ORM filter off (row-level security alone)', async () => {
    const seen = await database.db.inTenant(beta.tenantId, (em) => em.find(TenantErasure, {}, { filters: false }));
    expect(seen).toEqual([]);
    expect(await database.db.inTenant(alpha.tenantId, (em) => em.count(TenantErasure, {}))).toBe(1);
  });

  it('touches nothing of another tenant', async () => {
    const betaMember = betaData.people.member;
    expect((await tracesOf([betaMember.email])).length).toBeGreaterThan(5);
    const members = await database.db.inTenant(beta.tenantId, (em) => em.count(TenantUser, {}));
    expect(members).toBe(4);
  });
});

describe('erasure refusals and self-erasure', () => {
  it('refuses the last admin with a clear error, a mistyped confirmation, and a manager erasing an admin', async () => {
    const admin = await memberId(alpha, alpha.users.admin);
    await expect(
      deps.run(
        alpha.tenantId,
        (ctx) =>
          eraseMember(ctx, {
            memberId: admin,
            confirmEmail: alphaData.people.admin.email,
            actorPermissions: adminPermissions,
          }),
        asAdmin(alpha),
      ),
    ).rejects.toMatchObject({
      code: 'PRECONDITION_FAILED',
      message: 'Cannot erase the last admin: the organization needs at least one active admin',
      details: { reason: 'last_admin' },
    });
    const viewer = await memberId(alpha, alpha.users.viewer);
    await expect(
      deps.run(
        alpha.tenantId,
        (ctx) =>
          eraseMember(ctx, { memberId: viewer, confirmEmail: 'someone@else.test', actorPermissions: adminPermissions }),
        asAdmin(alpha),
      ),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST', fields: { confirmEmail: expect.any(String) } });
    await expect(
      deps.run(
        alpha.tenantId,
        (ctx) =>
          eraseMember(ctx, {
            memberId: admin,
            confirmEmail: alphaData.people.admin.email,
            actorPermissions: effectivePermissions('manager'),
          }),
        { actor: { userId: alpha.users.manager } },
      ),
    ).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect(await database.db.inTenant(alpha.tenantId, (em) => em.count(TenantUser, {}))).toBe(3);
  });

  it('lets a member erase themselves, leaving no address or browser of theirs in the trail', async () => {
    const viewer = alphaData.people.viewer;
    const result = await deps.run(alpha.tenantId, (ctx) => eraseMe(ctx, { confirmEmail: viewer.email }), {
      actor: { userId: alpha.users.viewer, ipAddress: '203.0.113.50', userAgent: 'viewer phone' },
    });
    expect(result.pseudonym).toBe(alpha.users.viewer);
    const entry = await database.db.inTenant(alpha.tenantId, (em) =>
      em.findOneOrFail(TenantAuditLog, { action: 'member.erased', details: { userId: alpha.users.viewer } }),
    );
    expect(entry).toMatchObject({ ipAddress: null, userAgent: null, details: { selfRequested: true } });
    await eraseOrphanedAccount(database.db, (await queuedAccountErasure(alpha.users.viewer)).userId);
    expect(await tracesOf([viewer.email, viewer.fullName, 'viewer phone'])).toEqual([]);
    expect(await deps.run(alpha.tenantId, verifyAuditChain)).toMatchObject({ valid: true });
  });

  it('keeps the account of someone who still belongs to another organization', async () => {
    // Beta's manager also joins alpha, then is erased from alpha only.
    await database.db.inTenant(alpha.tenantId, async (em) => {
      em.create(TenantUser, { tenant: alpha.tenantId, user: beta.users.manager, role: 'member' });
      await em.flush();
    });
    const twoHomes = await memberId(alpha, beta.users.manager);
    await deps.run(
      alpha.tenantId,
      (ctx) =>
        eraseMember(ctx, {
          memberId: twoHomes,
          confirmEmail: betaData.people.manager.email,
          actorPermissions: adminPermissions,
        }),
      asAdmin(alpha),
    );
    expect(await eraseOrphanedAccount(database.db, beta.users.manager)).toEqual({
      erased: false,
      reason: 'still_a_member',
    });
    const [account] = await database.db.inGlobal((em) =>
      em.execute<{ email: string }[]>('select email from users where id = ?', [beta.users.manager]),
    );
    expect(account?.email).toBe(betaData.people.manager.email);
  });

  it('hands the organization’s contact to the longest-serving other admin when the contact is erased', async () => {
    await database.db.inTenant(alpha.tenantId, (em) =>
      em.nativeUpdate(TenantUser, { user: alpha.users.manager }, { role: 'admin' }),
    );
    const contact = alphaData.people.admin;
    await deps.run(
      alpha.tenantId,
      async (ctx) =>
        eraseMember(ctx, {
          memberId: await memberId(alpha, alpha.users.admin),
          confirmEmail: contact.email,
          actorPermissions: adminPermissions,
        }),
      { actor: { userId: alpha.users.manager } },
    );
    const [tenant] = await database.db.inGlobal((em) =>
      em.execute<{ admin_email: string; admin_name: string }[]>(
        'select admin_email, admin_name from tenants where id = ?',
        [alpha.tenantId],
      ),
    );
    expect(tenant).toEqual({
      admin_email: alphaData.people.manager.email,
      admin_name: alphaData.people.manager.fullName,
    });
    await eraseOrphanedAccount(database.db, (await queuedAccountErasure(alpha.users.admin)).userId);
    expect(await tracesOf([contact.email, contact.fullName])).toEqual([]);
  });
});
