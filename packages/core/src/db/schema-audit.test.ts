import { describe, expect, it } from 'vitest';
import { createTenantWithMembers } from '../testing/fixtures.js';
import { rawClient, testServices, useTestDatabase } from '../testing/index.js';
import { findOrCreateUser } from '../users/user.service.js';
import { appRoleOf, globalUrlOf } from './migrate.js';
import {
  appRoleGlobalPrivilegeViolations,
  appRolePolicyViolations,
  appRoleViolations,
  definerFunctionsOf,
  distributionKeyViolations,
  GLOBAL_TABLES,
  rlsViolations,
  tablesWithoutTenantId,
  tenantScopedTables,
} from './schema-audit.js';

const database = useTestDatabase();

async function asOwner<T>(work: (client: Awaited<ReturnType<typeof rawClient>>) => Promise<T>): Promise<T> {
  const client = await rawClient(database.ownerUrl);
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

describe('live schema', () => {
  it('treats every table but tenants and users as tenant-scoped', async () => {
    await asOwner(async (client) => {
      expect(await tablesWithoutTenantId(client)).toEqual([]);
      expect(await tenantScopedTables(client)).toEqual([
        'analytics_events',
        'api_keys',
        'auth_sessions',
        'tenant_api_performance',
        'tenant_audit_chains',
        'tenant_audit_logs',
        'tenant_billing_ledger',
        'tenant_data_exports',
        'tenant_email_deliveries',
        'tenant_erasures',
        'tenant_feature_overrides',
        'tenant_files',
        'tenant_health_scores',
        'tenant_invitations',
        'tenant_invoices',
        'tenant_limit_alerts',
        'tenant_monthly_reports',
        'tenant_outbox',
        'tenant_settings',
        'tenant_storage_usage',
        'tenant_support_ticket_messages',
        'tenant_support_tickets',
        'tenant_usage_records',
        'tenant_users',
      ]);
    });
  });

  it('enables row-level security with a policy on every table, global ones included, and forces it on tenant-scoped ones', async () => {
    await asOwner(async (client) => expect(await rlsViolations(client)).toEqual([]));
  });

  it('narrows every policy that admits the app role to the tenant its unit of work set', async () => {
    const appRole = appRoleOf(testServices().appUrl);
    await asOwner(async (client) => expect(await appRolePolicyViolations(client, appRole)).toEqual([]));
  });

  it('runs global units of work as a second role, and gives each role only fixed questions to ask', async () => {
    const appRole = appRoleOf(testServices().appUrl);
    const globalRole = appRoleOf(globalUrlOf(testServices().appUrl));
    expect(globalRole).not.toBe(appRole);
    await asOwner(async (client) => {
      expect(await appRoleViolations(client, globalRole)).toEqual([]);
      expect(await appRoleGlobalPrivilegeViolations(client, appRole)).toEqual([]);
      // Each answers for the tenant its unit of work set, or for no tenant at all.
      expect(await definerFunctionsOf(client, appRole)).toEqual([
        'active_platform_operator(uuid)',
        'audit_erase_person(uuid,text[])',
        'audit_prune()',
        'claim_invited_account(uuid,uuid,text,text)',
        'invited_account(uuid)',
        'user_is_platform_operator(uuid)',
      ]);
      expect(await definerFunctionsOf(client, globalRole)).toEqual(['audit_prune()', 'outbox_due_tenants(integer)']);
    });
  });

  it('shows a tenant unit of work one tenants row, its own members, and nothing else of any table, whatever it sets', async () => {
    const alpha = await createTenantWithMembers(database.db, 'Alpha Reach');
    const beta = await createTenantWithMembers(database.db, 'Beta Reach');
    const outsider = await database.db.inGlobal((em) =>
      findOrCreateUser(em, { email: 'outsider@reach.test', fullName: 'Only Beta' }),
    );
    const global = await rawClient(database.globalUrl);
    try {
      await global.query(
        `insert into account_email_deliveries (dedupe_key, template, recipient, status, claimed_by_job, claim_attempt, claimed_at, message_id)
         values ('reset:reach', 'password_reset', 'outsider@reach.test', 'sent', 'job', 1, now(), '<m@reach>')`,
      );
      await global.query(
        `insert into global_outbox (id, kind, payload, next_attempt_at) values (gen_random_uuid(), 'job', '{}', now())`,
      );
    } finally {
      await global.end();
    }
    const tables = await asOwner(async (client) => {
      const { rows } = await client.query<{ relname: string }>(
        `select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
          where n.nspname = 'public' and c.relkind in ('r', 'p') order by 1`,
      );
      return rows.map((row) => row.relname);
    });
    // What of each table lies outside tenant alpha; global tables by their own relation to it.
    const outside = (table: string) =>
      ({
        tenants: 'id <> $1',
        users: 'not exists (select 1 from tenant_users tu where tu.user_id = users.id and tu.tenant_id = $1)',
      })[table] ?? (GLOBAL_TABLES.includes(table) ? 'true' : 'tenant_id <> $1');
    const app = await rawClient(database.appUrl);
    const reach: Record<string, { seen: number | 'denied'; updated: number | 'denied' }> = {};
    try {
      await app.query('begin');
      await app.query("select set_config('app.current_tenant_id', $1, true)", [String(alpha.tenantId)]);
      // Everything a tenant unit could set by hand to widen its view.
      await app.query("select set_config('app.current_user_id', $1, true)", [beta.users.admin]);
      await app.query("select set_config('app.platform_read', 'on', true)");
      const attempt = async (
        sql: string,
        count: (result: { rows: { n?: number }[]; rowCount: number | null }) => number,
      ) => {
        await app.query('savepoint probe');
        try {
          return count(await app.query(sql, sql.includes('$1') ? [alpha.tenantId] : []));
        } catch (error) {
          if ((error as { code?: string }).code !== '42501') throw error;
          return 'denied' as const;
        } finally {
          await app.query('rollback to savepoint probe');
        }
      };
      for (const table of tables) {
        const where = outside(table).replaceAll('$1', String(alpha.tenantId));
        const column = (
          await app.query<{ attname: string }>(
            `select attname from pg_attribute where attrelid = $1::regclass and attnum > 0 and not attisdropped order by attnum limit 1`,
            [table],
          )
        ).rows[0]?.attname;
        reach[table] = {
          seen: await attempt(`select count(*)::int as n from "${table}" where ${where}`, (r) => Number(r.rows[0]?.n)),
          updated: await attempt(
            `update "${table}" set "${column}" = "${column}" where ${where}`,
            (r) => r.rowCount ?? 0,
          ),
        };
      }
      const own = await app.query<{ id: number }>('select id from tenants');
      expect(own.rows.map((row) => row.id)).toEqual([alpha.tenantId]);
      const members = await app.query<{ id: string }>('select id from users order by id');
      expect(members.rows.map((row) => row.id)).toEqual(Object.values(alpha.users).sort());
      await app.query('rollback');
    } finally {
      await app.end();
    }
    expect(outsider.id).toBeTruthy();
    for (const [table, { seen, updated }] of Object.entries(reach)) {
      expect({ table, seen: seen === 'denied' ? 0 : seen, updated: updated === 'denied' ? 0 : updated }).toEqual({
        table,
        seen: 0,
        updated: 0,
      });
    }
    // The global tables held rows outside alpha, so a zero above is the policy at work.
    const global2 = await rawClient(database.globalUrl);
    try {
      for (const table of ['tenants', 'users', 'account_email_deliveries', 'global_outbox']) {
        const { rows } = await global2.query<{ n: number }>(
          `select count(*)::int as n from "${table}" where ${outside(table).replaceAll('$1', String(alpha.tenantId))}`,
        );
        expect({ table, outside: (rows[0]?.n ?? 0) > 0 }).toEqual({ table, outside: true });
      }
    } finally {
      await global2.end();
    }
  });

  it('connects the app as a role that is not superuser, has no BYPASSRLS and owns nothing', async () => {
    const appRole = appRoleOf(testServices().appUrl);
    await asOwner(async (client) => expect(await appRoleViolations(client, appRole)).toEqual([]));
    const app = await rawClient(database.appUrl);
    try {
      const { rows } = await app.query('select current_user as role');
      expect(rows[0].role).toBe(appRole);
      await expect(app.query('alter table tenant_users disable row level security')).rejects.toThrow(/must be owner/);
      await expect(app.query('delete from tenant_audit_logs')).rejects.toThrow(/permission denied/);
      // Nor what other connections (other tenants' units of work) are running.
      await expect(app.query('select query from pg_stat_activity')).rejects.toThrow(/permission denied/);
      await expect(app.query('select * from pg_stat_get_activity(null)')).rejects.toThrow(/permission denied/);
      await expect(
        app.query('select pg_stat_get_backend_activity(b) from pg_stat_get_backend_idset() b'),
      ).rejects.toThrow(/permission denied/);
    } finally {
      await app.end();
    }
  });

  it('leads every primary key and unique constraint of tenant-scoped tables with tenant_id', async () => {
    await asOwner(async (client) => expect(await distributionKeyViolations(client)).toEqual([]));
  });
});

describe('the schema checks themselves', () => {
  it('report a tenant-scoped table without forced RLS, a policy, or tenant_id leading its keys', async () => {
    await asOwner(async (client) => {
      await client.query('begin');
      try {
        await client.query(
          'create table careless (id uuid primary key, tenant_id int not null, email text, unique (email, tenant_id))',
        );
        await client.query('create table orphan (id int primary key)');
        await client.query('alter table tenant_settings no force row level security');
        expect(await rlsViolations(client)).toEqual(
          expect.arrayContaining([
            'careless: row level security is not enabled',
            'careless: row level security is not forced',
            'careless: has no policy',
            'tenant_settings: row level security is not forced',
          ]),
        );
        expect(await distributionKeyViolations(client)).toEqual(
          expect.arrayContaining([
            'careless: primary key careless_pkey starts with id, not tenant_id',
            'careless: unique index careless_email_tenant_id_key starts with email, not tenant_id',
          ]),
        );
        expect(await tablesWithoutTenantId(client)).toEqual(['orphan: not a global table but has no tenant_id column']);
      } finally {
        await client.query('rollback');
      }
    });
  });

  it('report a policy that would let the app role read or write any tenant’s rows', async () => {
    const appRole = appRoleOf(testServices().appUrl);
    await asOwner(async (client) => {
      await client.query('begin');
      try {
        await client.query('create policy careless_read on users for select using (true)');
        await client.query(
          `create policy careless_lookup on tenants using (id = NULLIF(current_setting('app.current_tenant_id', true), '')::int) with check (true)`,
        );
        await client.query('alter table global_outbox disable row level security');
        expect(await appRolePolicyViolations(client, appRole)).toEqual([
          'tenants: policy careless_lookup writes rows of any tenant',
          'users: policy careless_read reads rows of any tenant',
        ]);
        expect(await rlsViolations(client)).toEqual(['global_outbox: row level security is not enabled']);
      } finally {
        await client.query('rollback');
      }
    });
  });

  it('reports an app role that could bypass row-level security', async () => {
    await asOwner(async (client) => {
      expect(await appRoleViolations(client, 'digame_owner_not_a_role')).toEqual([
        'digame_owner_not_a_role: role does not exist',
      ]);
      const owner = decodeURIComponent(new URL(database.ownerUrl).username);
      expect(await appRoleViolations(client, owner)).toEqual([expect.stringMatching(/owns \d+ relation/)]);
    });
  });
});
