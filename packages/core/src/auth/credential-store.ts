import type { Redis } from 'ioredis';
import {
  type ApiKeyRecord,
  apiKeyKey,
  memberSessionsKey,
  revokedCredentialKey,
  type SessionRecord,
  sessionKey,
} from './credentials.js';
import { clearSignInThrottle } from './sign-in-throttle.js';

/** How long a session's tombstone lasts: far longer than any refresh racing its revocation. */
const SESSION_TOMBSTONE_MS = 24 * 3_600_000;

/**
 * KEYS[1] record, KEYS[2] its tombstone, KEYS[3] member index (sessions only).
 * ARGV[1] record JSON, ARGV[2] expiry mode 'PX', 'PXAT' or '' (none), ARGV[3] session id,
 * ARGV[4] index TTL ms, ARGV[5] expiry value. Returns 1 when written, 0 when it was revoked.
 */
const PUT_SCRIPT = `
if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
if ARGV[2] == 'PX' or ARGV[2] == 'PXAT' then redis.call('SET', KEYS[1], ARGV[1], ARGV[2], ARGV[5])
else redis.call('SET', KEYS[1], ARGV[1]) end
if KEYS[3] then
  redis.call('SADD', KEYS[3], ARGV[3])
  redis.call('PEXPIRE', KEYS[3], ARGV[4], 'GT')
  redis.call('PEXPIRE', KEYS[3], ARGV[4], 'NX')
end
return 1
`;

type StoreRedis = Redis & {
  digamePutCredential(numberOfKeys: number, ...args: (string | number)[]): Promise<number>;
};

/**
 * Writes and deletes the Redis records the request gate reads. PostgreSQL is the source of truth:
 * creations and role changes are mirrored here after commit (through the outbox), revocations
 * before commit and again after (see auth/sessions.ts), and every operation is safe to repeat.
 */
export class CredentialStore {
  private readonly redis: StoreRedis;

  constructor(
    redis: Redis,
    readonly prefix: string,
  ) {
    if (!('digamePutCredential' in redis)) redis.defineCommand('digamePutCredential', { lua: PUT_SCRIPT });
    this.redis = redis as StoreRedis;
  }

  /**
   * A live session: its record expires after the tenant's idle timeout unless requests slide it.
   * False when the session has been revoked meanwhile: it is not written back.
   */
  async putSession(sessionId: string, record: SessionRecord, idleMs: number): Promise<boolean> {
    const key = sessionKey(this.prefix, sessionId);
    const index = memberSessionsKey(this.prefix, record.tenantId, record.userId);
    const indexTtlMs = Math.max(idleMs, record.expiresAt - Date.now());
    const written = await this.redis.digamePutCredential(
      3,
      key,
      revokedCredentialKey(key),
      index,
      JSON.stringify(record),
      'PX',
      sessionId,
      Math.max(1, Math.ceil(indexTtlMs)),
      Math.max(1, idleMs),
    );
    return written === 1;
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

  /**
   * Ends sessions at once: the next request with their access tokens finds no record, and a
   * tombstone keeps any write racing this one from reviving them. `allOfMember` also ends every
   * live session the member's index lists, including any PostgreSQL no longer lists as active.
   */
  async revokeSessions(
    tenantId: number,
    userId: string,
    sessionIds: readonly string[],
    options: { allOfMember?: boolean } = {},
  ): Promise<void> {
    const index = memberSessionsKey(this.prefix, tenantId, userId);
    const ending = new Set(sessionIds);
    if (options.allOfMember) for (const id of await this.redis.smembers(index)) ending.add(id);
    const multi = this.redis.multi();
    for (const id of ending) {
      const key = sessionKey(this.prefix, id);
      multi.del(key).set(revokedCredentialKey(key), '1', 'PX', SESSION_TOMBSTONE_MS);
    }
    if (options.allOfMember) multi.del(index);
    else if (ending.size > 0) multi.srem(index, ...ending);
    if (ending.size > 0 || options.allOfMember) await multi.exec();
  }

  /** Written once, when the key is created; never after its revocation. */
  async putApiKey(record: ApiKeyRecord): Promise<boolean> {
    const key = apiKeyKey(this.prefix, record.keyId);
    const expiry = record.expiresAt === null ? ['', ''] : ['PXAT', record.expiresAt];
    const written = await this.redis.digamePutCredential(
      2,
      key,
      revokedCredentialKey(key),
      JSON.stringify(record),
      expiry[0] as string,
      '',
      0,
      expiry[1] as string | number,
    );
    return written === 1;
  }

  /** The key's tombstone lives as long as the key could have: a late creation must not revive it. */
  /** Lifts an account's sign-in lock-outs and reset-mail counts (see auth/sign-in-throttle.ts). */
  async clearSignInThrottle(account: string): Promise<void> {
    await clearSignInThrottle(this.redis, this.prefix, account);
  }

  async revokeApiKey(keyId: string, expiresAt: number | null): Promise<void> {
    const key = apiKeyKey(this.prefix, keyId);
    const multi = this.redis.multi().del(key);
    if (expiresAt === null) multi.set(revokedCredentialKey(key), '1');
    else multi.set(revokedCredentialKey(key), '1', 'PXAT', Math.max(expiresAt, Date.now() + 1));
    await multi.exec();
  }
}
