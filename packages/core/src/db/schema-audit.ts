import type pg from 'pg';

/**
 * Reads the live catalog and lists every way the schema breaks the isolation and distribution
 * rules. Used by the test suite; an empty list means the rules hold.
 */

/** Tables with a tenant_id column are tenant-scoped; these are the only global ones. */
export const GLOBAL_TABLES = [
  'tenants',
  'users',
  'mikro_orm_migrations',
  // Sent-mail records of account-level mail (password reset): it belongs to a global user, not a tenant.
  'account_email_deliveries',
  // Outbox of global units of work (account mail): their effects belong to no tenant.
  'global_outbox',
  // Operators' record of deleted tenants: the tenant it names is gone.
  'tenant_deletions',
];

export async function tenantScopedTables(client: pg.Client): Promise<string[]> {
  const { rows } = await client.query<{ table_name: string }>(
    `select c.relname as table_name
       from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = 'public' and c.relkind in ('r', 'p')
        and exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'tenant_id' and not a.attisdropped)
      order by 1`,
  );
  return rows.map((row) => row.table_name);
}

/** Every table that is not global must carry tenant_id. */
export async function tablesWithoutTenantId(client: pg.Client): Promise<string[]> {
  const { rows } = await client.query<{ table_name: string }>(
    `select c.relname as table_name
       from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = 'public' and c.relkind in ('r', 'p') and c.relname <> all($1)
        and not exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'tenant_id' and not a.attisdropped)`,
    [GLOBAL_TABLES],
  );
  return rows.map((row) => `${row.table_name}: not a global table but has no tenant_id column`);
}

/**
 * Row-level security must be enabled on every table the runtime roles can reach, global ones
 * included, with a policy; on tenant-scoped tables it must also be forced (the owner is bound too).
 */
export async function rlsViolations(client: pg.Client): Promise<string[]> {
  const { rows } = await client.query<{
    relname: string;
    scoped: boolean;
    enabled: boolean;
    forced: boolean;
    policies: number;
  }>(
    `select c.relname, c.relrowsecurity as enabled, c.relforcerowsecurity as forced,
            exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'tenant_id' and not a.attisdropped) as scoped,
            (select count(*)::int from pg_policy p where p.polrelid = c.oid) as policies
       from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = 'public' and c.relkind in ('r', 'p') and c.relname <> 'mikro_orm_migrations'`,
  );
  const problems: string[] = [];
  for (const row of rows) {
    if (!row.enabled) problems.push(`${row.relname}: row level security is not enabled`);
    if (row.scoped && !row.forced) problems.push(`${row.relname}: row level security is not forced`);
    if (row.policies === 0) problems.push(`${row.relname}: has no policy`);
  }
  return problems;
}

/**
 * Every policy that admits the app role (to it or to PUBLIC) must be narrowed to the tenant its
 * unit of work set: both its USING and its WITH CHECK read app.current_tenant_id. So no setting a
 * tenant unit's connection can make (app.current_user_id, app.platform_read) opens another
 * tenant's rows, on any table; policies for other purposes are bound to other roles.
 */
export async function appRolePolicyViolations(client: pg.Client, appRole: string): Promise<string[]> {
  const { rows } = await client.query<{ relname: string; polname: string; qual: string | null; check: string | null }>(
    `select c.relname, p.polname, pg_get_expr(p.polqual, p.polrelid) as qual, pg_get_expr(p.polwithcheck, p.polrelid) as check
       from pg_policy p join pg_class c on c.oid = p.polrelid join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = 'public' and p.polpermissive
        and (0::oid = any (p.polroles) or (select oid from pg_roles where rolname = $1) = any (p.polroles))
      order by 1, 2`,
    [appRole],
  );
  const narrowed = (expression: string | null) => expression === null || expression.includes('app.current_tenant_id');
  const problems: string[] = [];
  for (const row of rows) {
    if (row.qual === null && row.check === null)
      problems.push(`${row.relname}: policy ${row.polname} admits every row`);
    if (!narrowed(row.qual)) problems.push(`${row.relname}: policy ${row.polname} reads rows of any tenant`);
    if (!narrowed(row.check)) problems.push(`${row.relname}: policy ${row.polname} writes rows of any tenant`);
  }
  return problems;
}

/** SECURITY DEFINER functions a role may execute: each is a fixed question, listed by the tests. */
export async function definerFunctionsOf(client: pg.Client, role: string): Promise<string[]> {
  const { rows } = await client.query<{ signature: string }>(
    `select p.oid::regprocedure::text as signature
       from pg_proc p join pg_namespace n on n.oid = p.pronamespace
      where n.nspname = 'public' and p.prosecdef and has_function_privilege($1, p.oid, 'execute')
      order by 1`,
    [role],
  );
  return rows.map((row) => row.signature);
}

/** Privileges the app role must not hold on the global tables. */
export async function appRoleGlobalPrivilegeViolations(client: pg.Client, appRole: string): Promise<string[]> {
  const forbidden: [string, string][] = [
    ['tenants', 'insert'],
    ['tenants', 'delete'],
    ['users', 'insert'],
    ['users', 'delete'],
    ...['select', 'insert', 'update', 'delete'].flatMap((privilege): [string, string][] => [
      ['account_email_deliveries', privilege],
      ['global_outbox', privilege],
      ['tenant_deletions', privilege],
      ['mikro_orm_migrations', privilege],
    ]),
  ];
  const problems: string[] = [];
  for (const [table, privilege] of forbidden) {
    const { rows } = await client.query<{ held: boolean }>('select has_table_privilege($1, $2, $3) as held', [
      appRole,
      `public.${table}`,
      privilege,
    ]);
    if (rows[0]?.held) problems.push(`${appRole}: may ${privilege} ${table}`);
  }
  return problems;
}

/** A runtime role (the app role or the global role) must not be able to step around row-level security. */
export async function appRoleViolations(client: pg.Client, appRole: string): Promise<string[]> {
  const { rows } = await client.query<{ rolsuper: boolean; rolbypassrls: boolean; owned: number }>(
    `select r.rolsuper, r.rolbypassrls,
            (select count(*)::int from pg_class c where c.relowner = r.oid and c.relnamespace = 'public'::regnamespace) as owned
       from pg_roles r where r.rolname = $1`,
    [appRole],
  );
  const role = rows[0];
  if (!role) return [`${appRole}: role does not exist`];
  const problems: string[] = [];
  if (role.rolsuper) problems.push(`${appRole}: is a superuser`);
  if (role.rolbypassrls) problems.push(`${appRole}: has BYPASSRLS`);
  if (role.owned > 0) problems.push(`${appRole}: owns ${role.owned} relation(s)`);
  return problems;
}

/**
 * Citus distributes a table by tenant_id only if tenant_id leads its primary key and every unique
 * constraint or index; otherwise uniqueness could not be enforced per shard.
 */
export async function distributionKeyViolations(client: pg.Client): Promise<string[]> {
  const { rows } = await client.query<{
    table_name: string;
    index_name: string;
    is_primary: boolean;
    first_column: string | null;
  }>(
    `select c.relname as table_name, i.relname as index_name, x.indisprimary as is_primary,
            (select a.attname from pg_attribute a where a.attrelid = c.oid and a.attnum = x.indkey[0]) as first_column
       from pg_index x
       join pg_class c on c.oid = x.indrelid
       join pg_class i on i.oid = x.indexrelid
       join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = 'public' and (x.indisunique or x.indisprimary)
        and exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'tenant_id' and not a.attisdropped)`,
  );
  const { rows: withoutPk } = await client.query<{ relname: string }>(
    `select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = 'public' and c.relkind = 'r'
        and exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'tenant_id' and not a.attisdropped)
        and not exists (select 1 from pg_index x where x.indrelid = c.oid and x.indisprimary)`,
  );
  const problems = withoutPk.map((row) => `${row.relname}: has no primary key`);
  for (const row of rows) {
    if (row.first_column !== 'tenant_id') {
      const kind = row.is_primary ? 'primary key' : 'unique index';
      problems.push(
        `${row.table_name}: ${kind} ${row.index_name} starts with ${row.first_column ?? 'an expression'}, not tenant_id`,
      );
    }
  }
  return problems;
}
