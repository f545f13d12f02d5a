import type { Redis } from 'ioredis';

/** A key's usage is written at most this often per process: recency to the minute is enough. */
const RECORD_INTERVAL_MS = 60_000;

export interface ApiKeyLastUse {
  at: Date;
  ipAddress: string | null;
}

/**
 * When and from where each API key was last used, kept in a Redis hash per tenant rather than in
 * PostgreSQL: the request path writes nothing to PostgreSQL, and even the Redis write happens at
 * most once a minute per key and process, off the request's critical path.
 */
export class ApiKeyUsage {
  private readonly lastWritten = new Map<string, number>();

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly onError: (error: unknown) => void = () => {},
  ) {}

  private key(tenantId: number): string {
    return `${this.prefix}:apikey-usage:${tenantId}`;
  }

  /** Called on every authenticated API-key request; usually only a map lookup. */
  record(tenantId: number, keyId: string, ipAddress: string | null, nowMs = Date.now()): void {
    const last = this.lastWritten.get(keyId);
    if (last !== undefined && nowMs - last < RECORD_INTERVAL_MS) return;
    this.lastWritten.set(keyId, nowMs);
    if (this.lastWritten.size > 100_000) this.lastWritten.clear();
    this.redis
      .hset(this.key(tenantId), keyId, JSON.stringify({ at: nowMs, ip: ipAddress }))
      .catch((error: unknown) => this.onError(error));
  }

  async lastUses(tenantId: number, keyIds: readonly string[]): Promise<Map<string, ApiKeyLastUse>> {
    const result = new Map<string, ApiKeyLastUse>();
    if (keyIds.length === 0) return result;
    const values = await this.redis.hmget(this.key(tenantId), ...keyIds);
    keyIds.forEach((keyId, i) => {
      const raw = values[i];
      if (!raw) return;
      const { at, ip } = JSON.parse(raw) as { at: number; ip: string | null };
      result.set(keyId, { at: new Date(at), ipAddress: ip });
    });
    return result;
  }
}
