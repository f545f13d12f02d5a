import { Migration } from '@mikro-orm/migrations';
import { tenantIsolationSql } from './Migration20261127000000Initial.js';

/** Generated monthly report PDFs (advanced reporting), one per tenant and month. */
export class Migration20261201420000MonthlyReports extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "tenant_monthly_reports" ("tenant_id" int not null, "month" varchar(7) not null, "pdf" bytea not null, "byte_size" int not null, "generated_at" timestamptz not null, constraint "tenant_monthly_reports_pkey" primary key ("tenant_id", "month"))`,
    );
    this.addSql(
      `alter table "tenant_monthly_reports" add constraint "tenant_monthly_reports_tenant_id_foreign" foreign key ("tenant_id") references "tenants" ("id") on update cascade`,
    );
    for (const statement of tenantIsolationSql('tenant_monthly_reports')) this.addSql(statement);
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists "tenant_monthly_reports" cascade');
  }
}
