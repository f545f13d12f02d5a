import { Migration } from '@mikro-orm/migrations';
import { tenantIsolationSql } from './Migration20261127000000Initial.js';

/**
 * API calls, refusals, failures and latency buckets per tenant and UTC hour, for the operator
 * analytics (read across tenants under the platform_read policy, like the tables it joins).
 */
export class Migration20261202110000ApiPerformance extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "tenant_api_performance" ("tenant_id" int not null, "hour_start" timestamptz not null, "calls" int not null, "client_errors" int not null, "server_errors" int not null, "latency_buckets" jsonb not null, "updated_at" timestamptz not null, constraint "tenant_api_performance_pkey" primary key ("tenant_id", "hour_start"))`,
    );
    this.addSql(
      `alter table "tenant_api_performance" add constraint "tenant_api_performance_tenant_id_foreign" foreign key ("tenant_id") references "tenants" ("id") on update cascade`,
    );
    this.addSql(`create index "tenant_api_performance_hour_start_index" on "tenant_api_performance" ("hour_start")`);
    for (const statement of tenantIsolationSql('tenant_api_performance')) this.addSql(statement);
    this.addSql(
      `create policy platform_read on "tenant_api_performance" for select using (current_setting('app.platform_read', true) = 'on')`,
    );
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists "tenant_api_performance" cascade');
  }
}
