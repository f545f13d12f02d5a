import { Migration } from '@mikro-orm/migrations';
import { tenantIsolationSql } from './Migration20261127000000Initial.js';
import { LIFECYCLE_ROLE } from './Migration20261202100000AuditChain.js';

const tables = [
  `create table "tenant_data_exports" ("tenant_id" int not null, "id" uuid not null, "scope" text check ("scope" in ('tenant', 'personal')) not null, "subject_user_id" uuid null, "requested_by_user_id" uuid null, "status" text check ("status" in ('queued', 'building', 'ready', 'failed', 'expired')) not null default 'queued', "progress" real not null default 0, "size_bytes" bigint null, "sha256" char(64) null, "storage_key" varchar(300) null, "file_name" varchar(255) null, "error" varchar(500) null, "requested_at" timestamptz not null default now(), "started_at" timestamptz null, "ready_at" timestamptz null, "expires_at" timestamptz null, "finished_at" timestamptz null, constraint "tenant_data_exports_pkey" primary key ("tenant_id", "id"))`,
  `create index "tenant_data_exports_tenant_id_requested_at_index" on "tenant_data_exports" ("tenant_id", "requested_at")`,
  `alter table "tenant_data_exports" add constraint "tenant_data_exports_tenant_id_foreign" foreign key ("tenant_id") references "tenants" ("id") on update cascade`,
  // People are named by id only (no foreign key): the id stays as their pseudonym once their account is erased.
  `create table "tenant_erasures" ("tenant_id" int not null, "id" uuid not null, "subject_user_id" uuid not null, "erased_by_user_id" uuid null, "self_requested" boolean not null, "summary" jsonb not null default '{}', "erased_at" timestamptz not null default now(), constraint "tenant_erasures_pkey" primary key ("tenant_id", "id"))`,
  `alter table "tenant_erasures" add constraint "tenant_erasures_tenant_id_foreign" foreign key ("tenant_id") references "tenants" ("id") on update cascade`,
];

/**
 * A person's values removed from an audit entry's personal part: object members and array items
 * whose string contains one of the needles (case-insensitively) are dropped, so the entry then
 * reads `[erased]` in their place (see withPersonal).
 */
const scrubPersonal = `create function audit_scrub_personal(p jsonb, needles text[]) returns jsonb
  language plpgsql immutable as $$
begin
  return case jsonb_typeof(p)
    when 'object' then coalesce((
      select jsonb_object_agg(e.key, audit_scrub_personal(e.value, needles))
        from jsonb_each(p) e
       where not (jsonb_typeof(e.value) = 'string'
                  and exists (select 1 from unnest(needles) n where strpos(lower(e.value #>> '{}'), lower(n)) > 0))), '{}'::jsonb)
    when 'array' then coalesce((
      select jsonb_agg(audit_scrub_personal(e.value, needles) order by e.ordinality)
        from jsonb_array_elements(p) with ordinality e
       where not (jsonb_typeof(e.value) = 'string'
                  and exists (select 1 from unnest(needles) n where strpos(lower(e.value #>> '{}'), lower(n)) > 0))), '[]'::jsonb)
    else p end;
end $$`;

/**
 * Erasure's part of the audit trail, run as the lifecycle role: in the current tenant only, and
 * only for a person who is no member of it any more (erasure removes the membership first), it
 * removes their values from the entries' personal part and forgets the address and browser of the
 * entries they acted in. The trail keeps their user id as a pseudonym; the hash covers none of
 * what changes, so the chain still verifies.
 */
const erasePerson = `create function audit_erase_person(p_user uuid, p_needles text[])
  returns table (entries_acted bigint, entries_scrubbed bigint)
  language plpgsql security definer set search_path = public, pg_temp as $$
declare
  v_tenant int := nullif(current_setting('app.current_tenant_id', true), '')::int;
  v_acted bigint;
  v_scrubbed bigint;
  v_needles text[] := array(select n from unnest(p_needles) n where length(n) >= 3);
begin
  if v_tenant is null then
    raise exception 'audit_erase_person needs a tenant unit of work' using errcode = '42501';
  end if;
  if exists (select 1 from tenant_users tu where tu.tenant_id = v_tenant and tu.user_id = p_user) then
    raise exception 'only a former member''s audit entries may be erased' using errcode = '42501';
  end if;
  update tenant_audit_logs l set ip_address = null, user_agent = null
   where l.tenant_id = v_tenant and l.user_id = p_user and (l.ip_address is not null or l.user_agent is not null);
  get diagnostics v_acted = row_count;
  update tenant_audit_logs l set personal = audit_scrub_personal(l.personal, v_needles)
   where l.tenant_id = v_tenant and cardinality(v_needles) > 0
     and exists (select 1 from unnest(v_needles) n where strpos(lower(l.personal::text), lower(n)) > 0);
  get diagnostics v_scrubbed = row_count;
  return query select v_acted, v_scrubbed;
end $$`;

/** GDPR exports (one row per requested archive) and the record of erasures, without personal data. */
export class Migration20261202150000DataRights extends Migration {
  override async up(): Promise<void> {
    for (const statement of tables) this.addSql(statement);
    for (const table of ['tenant_data_exports', 'tenant_erasures']) {
      for (const statement of tenantIsolationSql(table)) this.addSql(statement);
    }
    this.addSql(scrubPersonal);
    this.addSql(erasePerson);
    this.addSql(`grant usage, create on schema public to ${LIFECYCLE_ROLE}`);
    this.addSql(`alter function audit_erase_person(uuid, text[]) owner to ${LIFECYCLE_ROLE}`);
    this.addSql(`revoke create on schema public from ${LIFECYCLE_ROLE}`);
    // Only the app role may ask (granted in migrate.ts, which knows its name).
    this.addSql('revoke all on function audit_erase_person(uuid, text[]) from public');
    this.addSql(`grant select on "tenant_users" to ${LIFECYCLE_ROLE}`);
  }

  override async down(): Promise<void> {
    this.addSql('drop function if exists audit_erase_person(uuid, text[])');
    this.addSql('drop function if exists audit_scrub_personal(jsonb, text[])');
    this.addSql(`revoke select on "tenant_users" from ${LIFECYCLE_ROLE}`);
    this.addSql('drop table if exists "tenant_erasures" cascade');
    this.addSql('drop table if exists "tenant_data_exports" cascade');
  }
}
