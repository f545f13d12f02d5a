import { evaluateLimitAlerts } from '../alerts/limit-alerts.js';
import { releaseAbandonedUploads, storageQuota } from '../files/file.service.js';
import { hourStart } from '../request/gate.js';
import type { TenantContext } from '../services/context.js';
import type { TenantEntity } from '../tenants/tenant.entity.js';

/** Platform bookkeeping about a tenant, not data the tenant stores: not counted as its storage. */
const BOOKKEEPING_TABLES = [
  'tenant_usage_records',
  'tenant_limit_alerts',
  'tenant_health_scores',
  'tenant_email_deliveries',
  'tenant_storage_usage',
];

/** An upload still streaming after this long belongs to a process that died: its reservation is released. */
const ABANDONED_UPLOAD_AFTER_MS = 6 * 60 * 60 * 1000;

export interface TenantMeasurement {
  seats: number;
  /** The tenant's database rows plus its stored files. */
  storageBytes: number;
}

/** Active memberships: the seats a tier's max_users limits. */
async function countSeats(ctx: TenantContext): Promise<number> {
  const [row] = await ctx.em.execute<{ seats: string }[]>(
    'select count(*) as seats from tenant_users where tenant_id = ? and is_active',
    [ctx.tenantId],
  );
  return Number(row?.seats ?? 0);
}

/**
 * Storage = the bytes of the tenant's rows across every tenant-scoped table (found in the catalog,
 * so a table added later counts without a change here), each row measured with pg_column_size —
 * its column data as stored, compressed values as compressed, plus a small per-row header. Indexes
 * and the platform's own bookkeeping tables are not the tenant's data and are left out. Row-level
 * security and the explicit tenant_id filter both confine the sums to this tenant.
 */
async function measureDatabaseBytes(ctx: TenantContext): Promise<number> {
  const tables = await ctx.em.execute<{ table_name: string }[]>(
    `select distinct table_name from information_schema.columns
      where table_schema = 'public' and column_name = 'tenant_id' and table_name not in (?) order by 1`,
    [BOOKKEEPING_TABLES],
  );
  if (tables.length === 0) return 0;
  const sums = tables
    .map(
      ({ table_name }) =>
        `select coalesce(sum(pg_column_size(t.*)), 0) as bytes from "${table_name}" t where t.tenant_id = ?`,
    )
    .join(' union all ');
  const [row] = await ctx.em.execute<{ bytes: string }[]>(
    `select coalesce(sum(bytes), 0) as bytes from (${sums}) s`,
    tables.map(() => ctx.tenantId),
  );
  return Number(row?.bytes ?? 0);
}

/**
 * Storage = database rows + stored files. The rows' size is kept on the tenant's storage account,
 * where upload reservations count it against the quota; files are counted from their metadata,
 * which holds exactly the bytes each stored object has (the upload checked it).
 */
async function measureStorage(ctx: TenantContext): Promise<number> {
  await releaseAbandonedUploads(ctx, new Date(ctx.now.getTime() - ABANDONED_UPLOAD_AFTER_MS));
  const databaseBytes = await measureDatabaseBytes(ctx);
  await ctx.em.execute(
    `insert into tenant_storage_usage (tenant_id, database_bytes, database_measured_at) values (?, ?, ?)
     on conflict (tenant_id) do update set database_bytes = excluded.database_bytes, database_measured_at = excluded.database_measured_at`,
    [ctx.tenantId, databaseBytes, ctx.now],
  );
  const quota = await storageQuota(ctx);
  return quota.databaseBytes + quota.fileBytes;
}

/**
 * Measures seats and storage, records them as this hour's gauges (an hour keeps its peak, so a
 * re-run is harmless), checks their alerts against the fresh readings and tells live dashboards.
 */
export async function measureTenantUsage(ctx: TenantContext, tenant: TenantEntity): Promise<TenantMeasurement> {
  const seats = await countSeats(ctx);
  const storageBytes = await measureStorage(ctx);
  const period = new Date(hourStart(ctx.now.getTime()));
  for (const [metric, quantity] of [
    ['seats', seats],
    ['storage_bytes', storageBytes],
  ] as const) {
    await ctx.em.execute(
      `insert into tenant_usage_records (tenant_id, metric, period_start, quantity, updated_at) values (?, ?, ?, ?, now())
       on conflict (tenant_id, metric, period_start) do update set quantity = greatest(tenant_usage_records.quantity, excluded.quantity), updated_at = now()`,
      [ctx.tenantId, metric, period, quantity],
    );
  }
  await evaluateLimitAlerts(ctx, tenant, { seats, storage: storageBytes });
  ctx.publish('usage.updated', { metric: 'seats_and_storage', seats, storageBytes });
  return { seats, storageBytes };
}
