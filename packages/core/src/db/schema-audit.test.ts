import { describe, expect, it } from 'vitest';
import { rawClient, testServices, useTestDatabase } from '../testing/index.js';
import { appRoleOf } from './migrate.js';
import {
  appRoleViolations,
  distributionKeyViolations,
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
        'tenant_email_deliveries',
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

  it('enables and forces row-level security with a policy on every tenant-scoped table', async () => {
    await asOwner(async (client) => expect(await rlsViolations(client)).toEqual([]));
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
