import type { Redis } from 'ioredis';
import type { Database } from '../db/database.js';
import { tenantIdByUuid } from './tenant-lookup.js';
import type { Feature, TierName } from './tiers.js';

/** Security settings the request path enforces (category `security` of tenant settings). */
export interface TenantSecurityFacts {
  /** CIDR blocks allowed to call the api; empty = any address. */
  ipAllowlist: string[];
  mfaRequired: boolean;
  sessionIdleMinutes: number;
  sessionAbsoluteHours: number;
}

/** What every request needs to know about its tenant, cached in the process. */
export interface TenantFacts extends TenantSecurityFacts {
  id: number;
  uuid: string;
  slug: string;
  name: string;
  tier: TierName;
  features: Partial<Record<Feature, boolean>>;
  maxUsers: number | null;
  storageLimitGb: number;
  apiRateLimit: number;
  isActive: boolean;
  suspensionReason: string | null;
  /** While set (ISO 8601), the tenant waits for its deletion and is read-only (see offboarding). */
  scheduledDeletionAt: string | null;
}

/**
 * A tenant's facts in one statement (loaded on every cache miss, so one round trip, not an ORM
 * query per table): its row, its plain (not encrypted) security settings, and the date of its
 * deletion while one is scheduled and not cancelled.
 */
const FACTS_SQL = `
  select t.id, t.tenant_uuid, t.slug, t.name, t.subscription_tier, t.features, t.max_users, t.storage_limit_gb,
    t.api_rate_limit, t.is_active, t.suspension_reason,
    coalesce((select json_agg(json_build_object('key', s.key, 'value', s.value)) from tenant_settings s
      where s.tenant_id = t.id and s.category = 'security' and not s.is_encrypted), '[]') as security,
    (select o.delete_at from tenant_offboardings o where o.tenant_id = t.id and o.cancelled_at is null)
      as scheduled_deletion_at
  from tenants t where t.id = ?`;

interface FactsRow {
  id: number;
  tenant_uuid: string;
  slug: string;
  name: string;
  subscription_tier: TierName;
  features: Partial<Record<Feature, boolean>>;
  max_users: number | null;
  storage_limit_gb: number;
  api_rate_limit: number;
  is_active: boolean;
  suspension_reason: string | null;
  security: { key: string; value: unknown }[];
  scheduled_deletion_at: Date | string | null;
}

export const SECURITY_DEFAULTS: TenantSecurityFacts = {
  ipAllowlist: [],
  mfaRequired: false,
  sessionIdleMinutes: 60,
  sessionAbsoluteHours: 24 * 7,
};

/** How long a cached entry may live even if an invalidation message was missed. */
const MAX_AGE_MS = 60_000;
/**
 * Entries kept per process. Credentials name tenants, and anyone can send a forged one naming any
 * id: the oldest entries make room, so such traffic cannot grow the cache without bound.
 */
export const TENANT_CACHE_ENTRIES = 10_000;

interface Cached<T> {
  value: Promise<T>;
  loadedAt: number;
}

/** A map that forgets its oldest entry when full (Map iterates in insertion order). */
class BoundedCache<K, T> {
  private readonly entries = new Map<K, Cached<T>>();

  constructor(private readonly capacity: number) {}

  get size(): number {
    return this.entries.size;
  }

  fresh(key: K): Promise<T> | undefined {
    const cached = this.entries.get(key);
    if (cached && Date.now() - cached.loadedAt < MAX_AGE_MS) return cached.value;
    return undefined;
  }

  set(key: K, value: Promise<T>): void {
    this.entries.delete(key);
    while (this.entries.size >= this.capacity) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.entries.delete(oldest.value);
    }
    this.entries.set(key, { value, loadedAt: Date.now() });
    value.catch(() => {
      if (this.entries.get(key)?.value === value) this.entries.delete(key);
    });
  }

  delete(key: K): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }
}

/**
 * Per-process cache of tenant facts. Every change to a tenant calls invalidate(), which drops the
 * entry here and tells every other process over Redis pub/sub; the max age bounds the damage of a
 * lost message. So the request path reads tenant facts without a query.
 */
export class TenantDirectory {
  private readonly cache: BoundedCache<number, TenantFacts | null>;
  /** Public uuid → internal id (null: no such tenant). A tenant's uuid never changes. */
  private readonly byUuid: BoundedCache<string, number | null>;
  private readonly channel: string;

  constructor(
    private readonly db: Database,
    private readonly publisher: Redis,
    prefix: string,
    capacity = TENANT_CACHE_ENTRIES,
  ) {
    this.channel = `${prefix}:tenant-facts`;
    this.cache = new BoundedCache(capacity);
    this.byUuid = new BoundedCache(capacity);
  }

  /** Entries held now (facts and uuid index), to show the cache stays bounded. */
  get cachedEntries(): number {
    return this.cache.size + this.byUuid.size;
  }

  /** Listens for invalidations from other processes on a connection dedicated to subscribing. */
  async listen(subscriber: Redis): Promise<void> {
    await subscriber.subscribe(this.channel);
    subscriber.on('message', (channel, message) => {
      if (channel === this.channel) this.cache.delete(Number(message));
    });
    // Messages published while this connection was down are lost: after reconnecting, load afresh.
    subscriber.on('ready', () => this.cache.clear());
  }

  async get(tenantId: number): Promise<TenantFacts | null> {
    const cached = this.cache.fresh(tenantId);
    if (cached) return cached;
    const facts = this.load(tenantId);
    this.cache.set(tenantId, facts);
    return facts;
  }

  /** Facts of the tenant with this public uuid, the id credentials and clients name tenants by. */
  async getByUuid(uuid: string): Promise<TenantFacts | null> {
    let id = this.byUuid.fresh(uuid);
    if (!id) {
      id = this.db.inGlobal((em) => tenantIdByUuid(em, uuid));
      this.byUuid.set(uuid, id);
    }
    const tenantId = await id;
    return tenantId === null ? null : this.get(tenantId);
  }

  async invalidate(tenantId: number): Promise<void> {
    this.cache.delete(tenantId);
    await this.publisher.publish(this.channel, String(tenantId));
  }

  private async load(tenantId: number): Promise<TenantFacts | null> {
    const [row] = await this.db.inTenant(tenantId, (em) => em.execute<FactsRow[]>(FACTS_SQL, [tenantId]), {
      readOnly: true,
    });
    if (!row) return null;
    const security = { ...SECURITY_DEFAULTS };
    for (const setting of row.security) {
      if (setting.key in security) (security as Record<string, unknown>)[setting.key] = setting.value;
    }
    return {
      ...security,
      id: row.id,
      uuid: row.tenant_uuid,
      slug: row.slug,
      name: row.name,
      tier: row.subscription_tier,
      features: row.features,
      maxUsers: row.max_users,
      storageLimitGb: row.storage_limit_gb,
      apiRateLimit: row.api_rate_limit,
      isActive: row.is_active,
      suspensionReason: row.suspension_reason,
      scheduledDeletionAt: row.scheduled_deletion_at ? new Date(row.scheduled_deletion_at).toISOString() : null,
    };
  }
}
