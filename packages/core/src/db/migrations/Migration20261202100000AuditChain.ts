import { Migration } from '@mikro-orm/migrations';
import { tenantIsolationSql } from './Migration20261127000000Initial.js';

/** The role that prunes and purges; provisioned beside the owner and app roles (see scripts/lib/services.mjs). */
export const LIFECYCLE_ROLE = 'digame_lifecycle';

/**
 * Audit retention per tier, in days. Kept in SQL because the prune function decides the cut itself:
 * whoever may call it can only remove what is already past retention. AUDIT_RETENTION_DAYS in
 * core/audit mirrors it, and a test keeps the two equal.
 */
const retention = `create function audit_retention_days(tier text) returns int language sql immutable as $$
  select case tier when 'basic' then 90 when 'professional' then 365 when 'enterprise' then 2555 end
$$`;

/**
 * What an entry's hash covers: the previous hash, its place in the chain and every field that says
 * what happened — never personal data. People are named by their user id only; emails and other
 * personal values live in "personal", which erasure may blank without breaking the chain.
 */
const digest = `create function audit_entry_digest(
    p_tenant_id int, p_seq bigint, p_prev_hash char(64), p_id uuid, p_user_id uuid, p_action text,
    p_resource_type text, p_resource_id text, p_details jsonb, p_created_at timestamptz
  ) returns char(64) language sql immutable as $$
  select encode(sha256(convert_to(jsonb_build_array(
    p_tenant_id, p_seq, p_prev_hash, p_id, p_user_id, p_action, p_resource_type, p_resource_id, p_details,
    (extract(epoch from p_created_at) * 1000000)::bigint
  )::text, 'UTF8')), 'hex')
$$`;

/**
 * Appends every new entry to its tenant's chain. The upsert takes the tenant's chain row lock, held
 * until commit, so concurrent writers of one tenant append one after another in commit order and
 * never share a sequence number or a previous hash.
 */
const append = `create function audit_chain_append() returns trigger language plpgsql as $$
declare
  v_seq bigint;
  v_prev char(64);
begin
  insert into tenant_audit_chains as c (tenant_id, last_seq) values (new.tenant_id, 1)
    on conflict (tenant_id) do update set last_seq = c.last_seq + 1
    returning c.last_seq, c.last_hash into v_seq, v_prev;
  new.seq := v_seq;
  new.prev_hash := v_prev;
  new.hash := audit_entry_digest(new.tenant_id, v_seq, v_prev, new.id, new.user_id, new.action,
    new.resource_type, new.resource_id, new.details, new.created_at);
  update tenant_audit_chains set last_hash = new.hash where tenant_id = new.tenant_id;
  return new;
end $$`;

/** The chain heads change only through the append trigger above or the lifecycle role's functions. */
const chainGuard = `create function audit_chain_guard() returns trigger language plpgsql as $$
begin
  if pg_trigger_depth() > 1 or current_user = '${LIFECYCLE_ROLE}' then
    return case when tg_op = 'DELETE' then old else new end;
  end if;
  raise exception 'audit chains change only with their audit log' using errcode = '42501';
end $$`;

/**
 * Entries are append-only for everyone but the lifecycle role (beside the app role's missing
 * privileges, this stops the owner's ordinary statements too), and even it may change only the
 * personal fields, which the hash does not cover.
 */
const appendOnly = `create function audit_append_only() returns trigger language plpgsql as $$
begin
  if current_user <> '${LIFECYCLE_ROLE}' then
    raise exception 'audit entries are append-only' using errcode = '42501';
  end if;
  if tg_op = 'UPDATE' and (new.tenant_id, new.id, new.seq, new.prev_hash, new.hash, new.user_id, new.action,
      new.resource_type, new.resource_id, new.details, new.created_at)
    is distinct from (old.tenant_id, old.id, old.seq, old.prev_hash, old.hash, old.user_id, old.action,
      old.resource_type, old.resource_id, old.details, old.created_at) then
    raise exception 'only the personal fields of an audit entry may change' using errcode = '42501';
  end if;
  return case when tg_op = 'DELETE' then old else new end;
end $$`;

/**
 * Removes the current tenant's entries past its tier's retention: always a prefix of the chain (up
 * to the entry before the oldest one still within retention), recording the cut — the last removed
 * sequence number and its hash — so the chain stays verifiable from there. Runs as the lifecycle
 * role; the tenant is the one the calling unit of work set.
 */
const prune = `create function audit_prune()
  returns table (pruned bigint, cut_seq bigint, cut_hash char(64), cut_before timestamptz)
  language plpgsql security definer set search_path = public, pg_temp as $$
declare
  v_tenant int := nullif(current_setting('app.current_tenant_id', true), '')::int;
  v_before timestamptz;
  v_cut bigint;
  v_hash char(64);
  v_count bigint;
begin
  if v_tenant is null then
    raise exception 'audit_prune needs a tenant unit of work' using errcode = '42501';
  end if;
  select now() - make_interval(days => audit_retention_days(t.subscription_tier)) into v_before
    from tenants t where t.id = v_tenant;
  -- Appends wait while the prefix is cut, so the kept part and the recorded cut agree.
  perform 1 from tenant_audit_chains c where c.tenant_id = v_tenant for update;
  select coalesce(
      (select min(l.seq) - 1 from tenant_audit_logs l where l.tenant_id = v_tenant and l.created_at >= v_before),
      (select max(l.seq) from tenant_audit_logs l where l.tenant_id = v_tenant))
    into v_cut;
  select l.hash into v_hash from tenant_audit_logs l where l.tenant_id = v_tenant and l.seq = v_cut;
  if v_hash is null then
    return query select 0::bigint, c.cut_seq, c.cut_hash, v_before from tenant_audit_chains c where c.tenant_id = v_tenant;
    return;
  end if;
  delete from tenant_audit_logs l where l.tenant_id = v_tenant and l.seq <= v_cut;
  get diagnostics v_count = row_count;
  update tenant_audit_chains c
     set cut_seq = v_cut, cut_hash = v_hash, cut_at = now(), pruned_entries = c.pruned_entries + v_count
   where c.tenant_id = v_tenant;
  return query select v_count, v_cut, v_hash, v_before;
end $$`;

/** Personal values the trail held in "details" until now move to "personal", outside the hash. */
const movePersonal = [
  `update tenant_audit_logs set personal = jsonb_build_object('email', details->'email'), details = details || '{"email": "[personal]"}'
    where details ? 'email' and jsonb_typeof(details->'email') = 'string'`,
  `update tenant_audit_logs
      set personal = personal || jsonb_build_object('before', jsonb_build_object('email', details->'before'->'email')),
          details = jsonb_set(details, '{before,email}', '"[personal]"')
    where jsonb_typeof(details->'before') = 'object' and jsonb_typeof(details->'before'->'email') = 'string'`,
];

/** Chains the entries written before this migration, per tenant in the order they were written. */
const backfill = `do $$
declare
  r record;
  v_tenant int := null;
  v_seq bigint;
  v_prev char(64);
  v_hash char(64);
begin
  for r in select * from tenant_audit_logs order by tenant_id, created_at, id loop
    if v_tenant is distinct from r.tenant_id then
      if v_tenant is not null then
        insert into tenant_audit_chains (tenant_id, last_seq, last_hash) values (v_tenant, v_seq, v_prev);
      end if;
      v_tenant := r.tenant_id;
      v_seq := 0;
      v_prev := null;
    end if;
    v_seq := v_seq + 1;
    v_hash := audit_entry_digest(r.tenant_id, v_seq, v_prev, r.id, r.user_id, r.action, r.resource_type,
      r.resource_id, r.details, r.created_at);
    update tenant_audit_logs set seq = v_seq, prev_hash = v_prev, hash = v_hash where tenant_id = r.tenant_id and id = r.id;
    v_prev := v_hash;
  end loop;
  if v_tenant is not null then
    insert into tenant_audit_chains (tenant_id, last_seq, last_hash) values (v_tenant, v_seq, v_prev);
  end if;
end $$`;

const schema = [
  `do $$ begin
     if not exists (select from pg_roles where rolname = '${LIFECYCLE_ROLE}') then
       raise exception 'role ${LIFECYCLE_ROLE} is missing: create it (NOLOGIN) and grant it to the migration role, see scripts/docker/init-roles.sql';
     end if;
   end $$`,
  // The trail names people by id; the id stays as their pseudonym after their account is erased.
  `alter table "tenant_audit_logs" drop constraint "tenant_audit_logs_user_id_foreign"`,
  `alter table "tenant_audit_logs" add column "seq" bigint null, add column "prev_hash" char(64) null, add column "hash" char(64) null, add column "personal" jsonb not null default '{}'`,
  `create table "tenant_audit_chains" ("tenant_id" int not null, "last_seq" bigint not null default 0, "last_hash" char(64) null, "cut_seq" bigint not null default 0, "cut_hash" char(64) null, "cut_at" timestamptz null, "pruned_entries" bigint not null default 0, constraint "tenant_audit_chains_pkey" primary key ("tenant_id"))`,
  `alter table "tenant_audit_chains" add constraint "tenant_audit_chains_tenant_id_foreign" foreign key ("tenant_id") references "tenants" ("id") on update cascade on delete cascade`,
  retention,
  digest,
  ...movePersonal,
  backfill,
  `alter table "tenant_audit_logs" add constraint "tenant_audit_logs_tenant_id_seq_unique" unique ("tenant_id", "seq")`,
  append,
  `create trigger audit_chain_append before insert on tenant_audit_logs for each row execute function audit_chain_append()`,
  chainGuard,
  `create trigger audit_chain_guard before insert or update or delete on tenant_audit_chains for each row execute function audit_chain_guard()`,
  appendOnly,
  `create trigger audit_append_only before update or delete on tenant_audit_logs for each row execute function audit_append_only()`,
  `create trigger audit_no_truncate before truncate on tenant_audit_logs for each statement execute function audit_append_only()`,
  prune,
  // Handing a function over needs CREATE on its schema for that moment only.
  `grant usage, create on schema public to ${LIFECYCLE_ROLE}`,
  `alter function audit_prune() owner to ${LIFECYCLE_ROLE}`,
  `revoke create on schema public from ${LIFECYCLE_ROLE}`,
  `grant select on "tenants" to ${LIFECYCLE_ROLE}`,
  `grant select, delete on "tenant_audit_logs" to ${LIFECYCLE_ROLE}`,
  `grant update ("personal", "ip_address", "user_agent") on "tenant_audit_logs" to ${LIFECYCLE_ROLE}`,
  `grant select, update on "tenant_audit_chains" to ${LIFECYCLE_ROLE}`,
];

/**
 * Tamper-evident audit trail: every entry is hash-chained to the previous one of its tenant, the
 * trail is append-only, personal values sit outside the hash, and pruning past retention runs as
 * its own role and records where it cut.
 */
export class Migration20261202100000AuditChain extends Migration {
  override async up(): Promise<void> {
    for (const statement of schema) this.addSql(statement);
    for (const statement of tenantIsolationSql('tenant_audit_chains')) this.addSql(statement);
  }

  override async down(): Promise<void> {
    this.addSql('drop function if exists audit_prune()');
    this.addSql('drop trigger if exists audit_no_truncate on tenant_audit_logs');
    this.addSql('drop trigger if exists audit_append_only on tenant_audit_logs');
    this.addSql('drop trigger if exists audit_chain_append on tenant_audit_logs');
    this.addSql('drop table if exists "tenant_audit_chains" cascade');
    this.addSql('drop function if exists audit_append_only(), audit_chain_guard(), audit_chain_append()');
    this.addSql(
      'drop function if exists audit_entry_digest(int, bigint, char, uuid, uuid, text, text, text, jsonb, timestamptz)',
    );
    this.addSql('drop function if exists audit_retention_days(text)');
    this.addSql(
      'alter table "tenant_audit_logs" drop column "seq", drop column "prev_hash", drop column "hash", drop column "personal"',
    );
  }
}
