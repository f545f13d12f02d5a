import { Migration } from '@mikro-orm/migrations';

const currentTenant = "NULLIF(current_setting('app.current_tenant_id', true), '')::integer";

/**
 * Row-level security on the global tables, so a tenant unit of work reaches nothing outside its
 * tenant: the tenant's own `tenants` row and the `users` rows of its members, nothing of
 * `account_email_deliveries` or `global_outbox`. The global units of work (sign-in, sign-up,
 * memberships, operator listings, the outbox sweeper) connect as a separate role, which
 * migrate.ts admits to these tables by name (policies `global_access`), since only it knows the
 * configured role names.
 *
 * The global tables are ENABLEd but not FORCEd: the owner, which owns nothing the app roles can
 * run but the functions below, reads them to answer those functions' fixed questions. Tenant-scoped
 * tables stay FORCEd, so the functions see only the current tenant's invitations.
 */
const schema = [
  'alter table "tenants" enable row level security',
  `create policy tenant_self on "tenants" using (id = ${currentTenant}) with check (id = ${currentTenant})`,

  'alter table "users" enable row level security',
  // A member cannot be turned into a platform operator from a tenant unit of work: the check
  // compares the new flag with the stored one (a stable function sees the row before the update).
  `create function user_is_platform_operator(p_user uuid) returns boolean
     language sql stable security definer set search_path = public, pg_temp
     as $$ select coalesce((select u.is_platform_operator from users u where u.id = p_user), false) $$`,
  'revoke all on function user_is_platform_operator(uuid) from public',
  // Support tickets may be handed to an active platform operator, who is no member of the tenant.
  `create function active_platform_operator(p_user uuid) returns boolean
     language sql stable security definer set search_path = public, pg_temp
     as $$ select exists (select 1 from users u where u.id = p_user and u.is_active and u.is_platform_operator) $$`,
  'revoke all on function active_platform_operator(uuid) from public',
  `create policy tenant_members on "users"
     using (exists (select 1 from tenant_users tu where tu.tenant_id = ${currentTenant} and tu.user_id = users.id))
     with check (exists (select 1 from tenant_users tu where tu.tenant_id = ${currentTenant} and tu.user_id = users.id)
                 and is_platform_operator = user_is_platform_operator(id))`,

  'alter table "account_email_deliveries" enable row level security',
  'alter table "global_outbox" enable row level security',

  // Accepting an invitation touches an account that is not a member yet: the account of the
  // invited address, and only for a pending invitation of the tenant the unit of work set (its
  // expiry is the service's to judge, by the unit of work's clock).
  `create function invited_account(p_invitation uuid) returns table (user_id uuid, has_password boolean)
     language sql stable security definer set search_path = public, pg_temp
     as $$ select u.id, u.password_hash is not null
             from tenant_invitations i join users u on u.email = i.email
            where i.tenant_id = ${currentTenant} and i.id = p_invitation
              and i.accepted_at is null and i.revoked_at is null $$`,
  'revoke all on function invited_account(uuid) from public',
  // Creates the invited address's account, or completes one that never got a password; refuses
  // (null) an account that has a password, whose owner must sign in to accept.
  `create function claim_invited_account(p_invitation uuid, p_user uuid, p_full_name text, p_password_hash text) returns uuid
     language plpgsql volatile security definer set search_path = public, pg_temp
     as $$
     declare
       invited_email text;
       claimed uuid;
     begin
       select i.email into invited_email from tenant_invitations i
        where i.tenant_id = ${currentTenant} and i.id = p_invitation
          and i.accepted_at is null and i.revoked_at is null;
       if invited_email is null then return null; end if;
       update users set full_name = p_full_name, password_hash = p_password_hash, updated_at = now()
        where email = invited_email and password_hash is null
        returning id into claimed;
       if claimed is not null then return claimed; end if;
       insert into users (id, email, full_name, password_hash) values (p_user, invited_email, p_full_name, p_password_hash)
         on conflict (email) do nothing
         returning id into claimed;
       return claimed;
     end $$`,
  'revoke all on function claim_invited_account(uuid, uuid, text, text) from public',
];

export class Migration20261202070000GlobalTablesRls extends Migration {
  override async up(): Promise<void> {
    for (const statement of schema) this.addSql(statement);
  }

  override async down(): Promise<void> {
    this.addSql('drop function if exists claim_invited_account(uuid, uuid, text, text)');
    this.addSql('drop function if exists invited_account(uuid)');
    this.addSql('drop policy if exists tenant_members on "users"');
    this.addSql('drop function if exists active_platform_operator(uuid)');
    this.addSql('drop function if exists user_is_platform_operator(uuid)');
    this.addSql('drop policy if exists tenant_self on "tenants"');
    for (const table of ['tenants', 'users', 'account_email_deliveries', 'global_outbox']) {
      this.addSql(`alter table "${table}" disable row level security`);
    }
  }
}
