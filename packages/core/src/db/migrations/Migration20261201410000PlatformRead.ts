import { Migration } from '@mikro-orm/migrations';

/**
 * Tables the operator analytics read across tenants. Each gets a second, SELECT-only policy that
 * admits every row while `app.platform_read` is 'on' — which only Database.inPlatformRead sets, in
 * a READ ONLY transaction, with set_config(..., true) so it ends with that transaction. Writes stay
 * under tenant_isolation alone, and a tenant unit of work (which never sets it) sees only its tenant.
 */
export const PLATFORM_READ_TABLES = [
  'tenant_users',
  'auth_sessions',
  'analytics_events',
  'tenant_usage_records',
  'tenant_audit_logs',
  'tenant_billing_ledger',
  'tenant_invoices',
  'tenant_health_scores',
  'tenant_support_tickets',
  'tenant_limit_alerts',
] as const;

export class Migration20261201410000PlatformRead extends Migration {
  override async up(): Promise<void> {
    for (const table of PLATFORM_READ_TABLES) {
      this.addSql(
        `create policy platform_read on "${table}" for select using (current_setting('app.platform_read', true) = 'on')`,
      );
    }
  }

  override async down(): Promise<void> {
    for (const table of PLATFORM_READ_TABLES) this.addSql(`drop policy if exists platform_read on "${table}"`);
  }
}
