import type { Redis } from 'ioredis';
import { type ApiKeyRecord, apiKeyKey, memberSessionsKey, type SessionRecord, sessionKey } from './credentials.js';

/**
 * Writes and deletes the Redis records the request gate reads. PostgreSQL is the source of truth;
 * callers change it first and then (after commit) mirror the change here.
 */
export class CredentialStore {
  constructor(
    private readonly redis: Redis,
    readonly prefix: string,
  ) {}

  /** A live session: its record expires after the tenant's idle timeout unless requests slide it. */
  async putSession(sessionId: string, record: SessionRecord, idleMs: number): Promise<void> {
    const index = memberSessionsKey(this.prefix, record.tenantId, record.userId);
    const indexTtlMs = Math.max(idleMs, record.expiresAt - Date.now());
    await this.redis
      .multi()
      .set(sessionKey(this.prefix, sessionId), JSON.stringify(record), 'PX', Math.max(1, idleMs))
      .sadd(index, sessionId)
      .pexpire(index, indexTtlMs, 'GT')
      .pexpire(index, indexTtlMs, 'NX')
      .exec();
  }

  async getSession(sessionId: string): Promise<SessionRecord | null> {
    const raw = await this.redis.get(sessionKey(this.prefix, sessionId));
    return raw ? (JSON.parse(raw) as SessionRecord) : null;
  }

  /** Which of these sessions are still live (not idled out, not deleted). */
  async liveSessionIds(sessionIds: readonly string[]): Promise<Set<string>> {
    if (sessionIds.length === 0) return new Set();
    const values = await this.redis.mget(...sessionIds.map((id) => sessionKey(this.prefix, id)));
    return new Set(sessionIds.filter((_, i) => values[i] !== null));
  }

  /** Replaces what a live session may do (role, permissions) without reviving an expired one. */
  async rewriteMemberSessions(
    tenantId: number,
    userId: string,
    update: (record: SessionRecord) => SessionRecord,
  ): Promise<number> {
    const index = memberSessionsKey(this.prefix, tenantId, userId);
    const sessionIds = await this.redis.smembers(index);
    let rewritten = 0;
    for (const sessionId of sessionIds) {
      const current = await this.getSession(sessionId);
      const written = current
        ? await this.redis.set(sessionKey(this.prefix, sessionId), JSON.stringify(update(current)), 'KEEPTTL', 'XX')
        : null;
      if (written) rewritten++;
      else await this.redis.srem(index, sessionId);
    }
    return rewritten;
  }

  /** Ends sessions at once: the next request with their access tokens finds no record. */
  async deleteSessions(tenantId: number, userId: string, sessionIds: readonly string[]): Promise<void> {
    if (sessionIds.length === 0) return;
    await this.redis
      .multi()
      .del(...sessionIds.map((id) => sessionKey(this.prefix, id)))
      .srem(memberSessionsKey(this.prefix, tenantId, userId), ...sessionIds)
      .exec();
  }

  /** Every live session of a member, including any PostgreSQL no longer lists as active. */
  async deleteMemberSessions(tenantId: number, userId: string): Promise<void> {
    const index = memberSessionsKey(this.prefix, tenantId, userId);
    const sessionIds = await this.redis.smembers(index);
    const multi = this.redis.multi();
    if (sessionIds.length > 0) multi.del(...sessionIds.map((id) => sessionKey(this.prefix, id)));
    await multi.del(index).exec();
  }

  async putApiKey(record: ApiKeyRecord): Promise<void> {
    const key = apiKeyKey(this.prefix, record.keyId);
    if (record.expiresAt === null) await this.redis.set(key, JSON.stringify(record));
    else await this.redis.set(key, JSON.stringify(record), 'PXAT', record.expiresAt);
  }

  async deleteApiKey(keyId: string): Promise<void> {
    await this.redis.del(apiKeyKey(this.prefix, keyId));
  }
}
