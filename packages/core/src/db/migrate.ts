import { createOrm } from './orm.js';

export interface MigrateOptions {
  /** Connection of the schema owner; migrations and grants run as it. */
  migrationUrl: string;
  /** Connection of tenant units of work; its role receives data privileges and nothing more. */
  appUrl: string;
  /** Connection of global units of work; defaults to globalUrlOf(appUrl). */
  globalUrl?: string;
}

/** The role a URL connects as, so grants follow the configuration. */
export function appRoleOf(appUrl: string, variable = 'DATABASE_URL'): string {
  const role = decodeURIComponent(new URL(appUrl).username);
  if (!/^[a-z_][a-z0-9_]*$/i.test(role)) throw new Error(`${variable}: unsupported role name "${role}"`);
  return role;
}

/**
 * The default connection of global units of work: the app's URL with the role `<app role>_global`
 * (same password, host and database). A different login role, so nothing run on a tenant unit's
 * connection can act as it, whatever that connection sets.
 */
export function globalUrlOf(appUrl: string): string {
  const url = new URL(appUrl);
  url.username = encodeURIComponent(`${appRoleOf(appUrl)}_global`);
  return url.toString();
}

/** Tables of no tenant: the global role reaches them whole, the app role only through RLS (or not at all). */
const GLOBAL_TABLES = ['tenants', 'users', 'account_email_deliveries', 'global_outbox'] as const;

/**
 * Applies pending migrations as the owner, then grants the two runtime roles data access only:
 * they own nothing, so they can neither disable row-level security nor change the schema.
 *
 * - The app role (DATABASE_URL) runs tenant units of work: its tenant's `tenants` row and its
 *   members' `users` rows (read and update, no insert or delete), nothing of the global outbox or
 *   account mail, and the audit log append-only.
 * - The global role (DATABASE_GLOBAL_URL) runs global units of work (sign-in lookup, sign-up,
 *   memberships, operator listings and platform reads, the outbox sweeper): the global tables
 *   whole, and of tenant-scoped tables only what the policies bound to it admit (one user's own
 *   memberships, the READ ONLY platform read, the sweeper's list of due tenants).
 *
 * Policies that name a role live here beside the grants, since only this knows the role names.
 * Safe to run on every start; it changes nothing when up to date.
 */
export async function migrate({
  migrationUrl,
  appUrl,
  globalUrl = globalUrlOf(appUrl),
}: MigrateOptions): Promise<string[]> {
  const appRole = appRoleOf(appUrl);
  const globalRole = appRoleOf(globalUrl, 'DATABASE_GLOBAL_URL');
  if (appRole === globalRole) {
    throw new Error('DATABASE_GLOBAL_URL: must connect as a different role than DATABASE_URL');
  }
  const orm = await createOrm({ url: migrationUrl, poolMax: 1 });
  try {
    const applied = await orm.getMigrator().up();
    await orm.em.fork().transactional(async (em) => {
      const run = (sql: string) => em.execute(sql);
      for (const role of [appRole, globalRole]) {
        await run(`grant usage on schema public to "${role}"`);
        await run(`grant select, insert, update, delete on all tables in schema public to "${role}"`);
        await run(`revoke all on table mikro_orm_migrations from "${role}"`);
        await run(`revoke update, delete, truncate on table tenant_audit_logs from "${role}"`);
        await run(`grant usage, select on all sequences in schema public to "${role}"`);
      }
      for (const table of GLOBAL_TABLES) {
        await run(`revoke all on table "${table}" from "${appRole}"`);
        await run(`drop policy if exists global_access on "${table}"`);
        await run(`create policy global_access on "${table}" to "${globalRole}" using (true) with check (true)`);
      }
      await run(`grant select, update on table tenants, users to "${appRole}"`);
      // Which organizations does this user belong to? Only for the user a global unit has just verified.
      await run(`alter policy member_self_lookup on tenant_users to "${globalRole}"`);
      // Every platform_read policy (see Migration20261201410000PlatformRead and later tables).
      const platformRead = await em.execute<{ tablename: string }[]>(
        "select tablename from pg_policies where schemaname = 'public' and policyname = 'platform_read'",
      );
      for (const { tablename } of platformRead)
        await run(`alter policy platform_read on "${tablename}" to "${globalRole}"`);
      // The outbox sweeper lists tenants with waiting effects through this function only (see the migration).
      await run(`revoke all on function outbox_due_tenants(int) from "${appRole}"`);
      await run(`grant execute on function outbox_due_tenants(int) to "${globalRole}"`);
      // The fixed questions a tenant unit may ask about accounts outside its members (see the migration).
      for (const fn of [
        'user_is_platform_operator(uuid)',
        'active_platform_operator(uuid)',
        'invited_account(uuid)',
        'claim_invited_account(uuid, uuid, text, text)',
        // Erasure's part of the audit trail, run as the lifecycle role (see Migration20261202150000DataRights).
        'audit_erase_person(uuid, text[])',
      ]) {
        await run(`grant execute on function ${fn} to "${appRole}"`);
      }
    });
    return applied.map((migration) => migration.name);
  } finally {
    await orm.close();
  }
}
