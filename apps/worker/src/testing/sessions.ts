import { randomBytes } from 'node:crypto';
import { AccessTokens, effectivePermissions, type SessionRecord, sessionKey } from '@digame/core/auth';
import type { Role } from '@digame/core/members';
import type { Redis } from 'ioredis';

/** Opens a live session the way sign-in does (Redis record + access token) for api processes to accept. */
export async function openSession(
  redis: Redis,
  prefix: string,
  jwtSecret: string,
  member: { tenantId: number; tenantUuid: string; userId: string; role: Role; platformOperator?: boolean },
): Promise<{ token: string; sessionId: string }> {
  const sessionId = randomBytes(16).toString('hex');
  const record: SessionRecord = {
    kind: 'session',
    tenantId: member.tenantId,
    userId: member.userId,
    role: member.role,
    permissions: [...effectivePermissions(member.role)],
    platformOperator: member.platformOperator ?? false,
    expiresAt: Date.now() + 3_600_000,
  };
  await redis.set(sessionKey(prefix, sessionId), JSON.stringify(record), 'PX', 3_600_000);
  const token = await new AccessTokens(jwtSecret).sign({
    typ: 'access',
    sub: member.userId,
    tid: member.tenantUuid,
    sid: sessionId,
    role: member.role,
  });
  return { token, sessionId };
}
