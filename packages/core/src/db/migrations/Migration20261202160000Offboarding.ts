import { Migration } from '@mikro-orm/migrations';
import { tenantIsolationSql } from './Migration20261127000000Initial.js';
import { LIFECYCLE_ROLE } from './Migration20261202100000AuditChain.js';

/**
 * Deletes every row of the current tenant, in every tenant-scoped table the catalog lists (so a
 * table added later is not forgotten), then the tenants row itself; returns how many rows went from
 * each. A table goes once no other table still to be emptied references it, so foreign keys hold
 * and no cascade runs as a table owner (the audit trail refuses everyone but the lifecycle role).
 *
 * Runs as the lifecycle role (SECURITY DEFINER), which alone may delete audit entries; it acts on
 * the tenant the calling unit of work set, and only once that tenant's deletion is due, not
 * cancelled, and claimed by the worker (purge_started_at) — so an app-role unit of work cannot use
 * it to delete a tenant that is not being offboarded.
 */
const purge = `create function offboarding_purge()
  returns table (table_name text, deleted bigint)
  language plpgsql security definer set search_path = public, pg_temp as $$
declare
  v_tenant int := nullif(current_setting('app.current_tenant_id', true), '')::int;
  v_remaining text[];
  v_table text;
  v_count bigint;
  v_progress boolean;
begin
  if v_tenant is null then
    raise exception 'offboarding_purge needs a tenant unit of work' using errcode = '42501';
  end if;
  perform 1 from tenant_offboardings o
    where o.tenant_id = v_tenant and o.cancelled_at is null and o.purge_started_at is not null and o.delete_at <= now();
  if not found then
    raise exception 'the deletion of this tenant is not due' using errcode = '55000';
  end if;
  select coalesce(array_agg(c.relname::text order by c.relname), '{}') into v_remaining
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
   where n.nspname = 'public' and c.relkind in ('r', 'p') and not c.relispartition
     and exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'tenant_id' and not a.attisdropped);
  while cardinality(v_remaining) > 0 loop
    v_progress := false;
    foreach v_table in array v_remaining loop
      if not exists (
        select 1 from pg_constraint k
          join pg_class referencing on referencing.oid = k.conrelid
          join pg_class referenced on referenced.oid = k.confrelid
         where k.contype = 'f' and referenced.relname = v_table and referencing.relname <> v_table
           and referencing.relname = any (v_remaining)
           and referencing.relnamespace = 'public'::regnamespace and referenced.relnamespace = 'public'::regnamespace
      ) then
        execute format('delete from %I where tenant_id = $1', v_table) using v_tenant;
        get diagnostics v_count = row_count;
        table_name := v_table;
        deleted := v_count;
        return next;
        v_remaining := array_remove(v_remaining, v_table);
        v_progress := true;
      end if;
    end loop;
    if not v_progress then
      raise exception 'tenant tables reference each other in a cycle: %', v_remaining;
    end if;
  end loop;
  delete from tenants where id = v_tenant;
  get diagnostics v_count = row_count;
  table_name := 'tenants';
  deleted := v_count;
  return next;
end $$`;

const schema = [
  `create table "tenant_offboardings" ("tenant_id" int not null, "requested_by_user_id" uuid null, "requested_by_operator" boolean not null default false, "reason" varchar(500) not null, "requested_at" timestamptz not null, "suspend_at" timestamptz not null, "delete_at" timestamptz not null, "retention_days" int not null, "notice_sent_at" timestamptz null, "final_notice_sent_at" timestamptz null, "purge_started_at" timestamptz null, "cancelled_at" timestamptz null, "cancelled_by_user_id" uuid null, constraint "tenant_offboardings_pkey" primary key ("tenant_id"))`,
  `alter table "tenant_offboardings" add constraint "tenant_offboardings_tenant_id_foreign" foreign key ("tenant_id") references "tenants" ("id") on update cascade on delete cascade`,
  ...tenantIsolationSql('tenant_offboardings'),
  // The worker's scan finds due schedules of every tenant in one READ ONLY platform read.
  `create policy platform_read on "tenant_offboardings" for select using (current_setting('app.platform_read', true) = 'on')`,

  `create table "tenant_deletions" ("deleted_tenant_id" int not null, "deleted_tenant_uuid" uuid not null, "subscription_tier" varchar(50) not null, "requested_by_operator" boolean not null, "requested_at" timestamptz not null, "delete_at" timestamptz not null, "started_at" timestamptz not null, "completed_at" timestamptz null, "rows_deleted" jsonb not null default '{}', "objects_deleted" int not null default 0, "redis_keys_deleted" int not null default 0, "credential_ids" jsonb not null default '{"sessions":[],"apiKeys":[]}', constraint "tenant_deletions_pkey" primary key ("deleted_tenant_id"))`,
  `alter table "tenant_deletions" add constraint "tenant_deletions_deleted_tenant_uuid_unique" unique ("deleted_tenant_uuid")`,
  // A global table: migrate.ts admits the global role (policy global_access) and nothing else.
  'alter table "tenant_deletions" enable row level security',

  purge,
  'revoke all on function offboarding_purge() from public',
  `grant usage, create on schema public to ${LIFECYCLE_ROLE}`,
  `alter function offboarding_purge() owner to ${LIFECYCLE_ROLE}`,
  `revoke create on schema public from ${LIFECYCLE_ROLE}`,
];

/**
 * Offboarding: the deletion schedule of a tenant, the operators' record of completed deletions,
 * and the lifecycle role's function that deletes a due tenant's rows (its table privileges are
 * granted by migrate.ts, from the catalog, on every start).
 */
export class Migration20261202160000Offboarding extends Migration {
  override async up(): Promise<void> {
    for (const statement of schema) this.addSql(statement);
  }

  override async down(): Promise<void> {
    this.addSql('drop function if exists offboarding_purge()');
    this.addSql('drop table if exists "tenant_deletions" cascade');
    this.addSql('drop table if exists "tenant_offboardings" cascade');
  }
}
