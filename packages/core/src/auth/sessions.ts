import { LockMode } from '@mikro-orm/core';
import { audit } from '../audit/audit.js';
import type { Actor, Database } from '../db/database.js';
import { uuidv7 } from '../db/ids.js';
import { DomainError } from '../errors/domain-error.js';
import { assertMayGrant, permissionsOf } from '../members/member-guards.js';
import type { Role } from '../members/roles.js';
import { TenantUser, type TenantUserEntity } from '../members/tenant-user.entity.js';
import { type ServiceDeps, type TenantContext, tenantContext } from '../services/context.js';
import { recordServiceEffect, revokeWithUnitOfWork } from '../services/effects.js';
import type { TenantFacts } from '../tenants/tenant-directory.js';
import { membershipsOf } from '../users/memberships.js';
import type { UserEntity } from '../users/user.entity.js';
import type { AccessTokens } from './access-token.js';
import { hashSecret, secretMatches } from './api-key-token.js';
import { type SessionRecord, unprovenCredential } from './credentials.js';
import { effectivePermissions, type Permission } from './permissions.js';
import { generateRefreshToken, parseRefreshToken } from './refresh-token.js';
import { AuthSession, type AuthSessionEntity } from './session.entity.js';
import { tenantStandingProblem } from './tenant-standing.js';

export interface SessionDeps {
  db: Database;
  services: ServiceDeps;
  tokens: AccessTokens;
}

/** What a client receives when a session starts or its refresh token rotates. */
export interface IssuedSession {
  sessionId: string;
  userId: string;
  role: Role;
  platformOperator: boolean;
  /** `id` is the tenant's public uuid. */
  tenant: { id: string; slug: string; name: string };
  accessToken: string;
  accessTokenExpiresAt: Date;
  refreshToken: string;
  absoluteExpiresAt: Date;
}

/** Why a session ended, as recorded in auth_sessions.revoked_reason and the audit trail. */
export type SessionEndReason =
  | 'signed_out'
  | 'revoked'
  | 'refresh_token_reused'
  | 'expired'
  | 'idle_timeout'
  | 'membership_ended'
  | 'member_removed'
  | 'member_deactivated'
  | 'password_changed'
  | 'password_reset'
  | 'mfa_changed';

/** Rotated refresh-token hashes kept per session, so replays are recognised for this many rotations. */
const REMEMBERED_REFRESH_HASHES = 50;
/**
 * Two tabs refreshing with the same cookie at once: the loser presents the token the winner just
 * rotated. Within this window that is refused without ending the session.
 */
const CONCURRENT_REFRESH_GRACE_MS = 30_000;

const sessionEnded = () => new DomainError('UNAUTHORIZED', 'Session has ended; sign in again');

function recordFor(
  membership: TenantUserEntity,
  user: UserEntity,
  tenantId: number,
  absoluteExpiresAt: Date,
): SessionRecord {
  return {
    kind: 'session',
    tenantId,
    userId: user.id,
    role: membership.role,
    permissions: [...effectivePermissions(membership.role, membership.permissions)],
    platformOperator: user.isPlatformOperator,
    expiresAt: absoluteExpiresAt.getTime(),
  };
}

async function signAccessToken(
  tokens: AccessTokens,
  tenant: TenantFacts,
  record: SessionRecord,
  sessionId: string,
  now: number,
) {
  const ttlSeconds = Math.max(1, Math.min(tokens.ttlSeconds, Math.floor((record.expiresAt - now) / 1000)));
  const accessToken = await tokens.sign(
    { typ: 'access', sub: record.userId, tid: tenant.uuid, sid: sessionId, role: record.role },
    ttlSeconds,
  );
  return { accessToken, accessTokenExpiresAt: new Date(now + ttlSeconds * 1000) };
}

/** The membership of a user in the unit of work's tenant, if both it and the user are active. */
async function activeMembership(ctx: TenantContext, userId: string): Promise<TenantUserEntity | null> {
  const membership = await ctx.em.findOne(TenantUser, { user: userId }, { populate: ['user'] });
  return membership?.isActive && membership.user.isActive ? membership : null;
}

/**
 * Starts a session for an active membership: the auth_sessions row (with the refresh token's hash)
 * and its audit entry in one transaction, then the Redis record the request path reads, then the
 * access token. The caller has already proven who the user is (password, MFA, or a live session)
 * and checked that the tenant admits them (assertTenantAdmits).
 */
export async function issueSession(
  deps: SessionDeps,
  input: { tenant: TenantFacts; userId: string; actor: Actor; method: string },
): Promise<IssuedSession> {
  const { tenant } = input;
  const now = new Date();
  const absoluteExpiresAt = new Date(now.getTime() + tenant.sessionAbsoluteHours * 3_600_000);
  const opened = await deps.db.inTenant(tenant.id, async (em) => {
    const ctx = tenantContext(em, tenant.id, input.actor, deps.services);
    const membership = await activeMembership(ctx, input.userId);
    if (!membership) throw new DomainError('FORBIDDEN', 'You are not an active member of this organization');
    const sessionId = uuidv7();
    const refresh = generateRefreshToken(tenant.uuid, sessionId);
    em.create(AuthSession, {
      tenant: tenant.id,
      id: sessionId,
      user: input.userId,
      refreshTokenHash: refresh.secretHash,
      absoluteExpiresAt,
      ipAddress: input.actor.ipAddress ?? null,
      userAgent: input.actor.userAgent ?? null,
    });
    membership.lastActiveAt = now;
    membership.user.lastSignInAt = now;
    audit(ctx, {
      action: 'auth.signed_in',
      resourceType: 'session',
      resourceId: sessionId,
      details: { method: input.method },
    });
    return {
      sessionId,
      refreshToken: refresh.token,
      record: recordFor(membership, membership.user, tenant.id, absoluteExpiresAt),
    };
  });
  await deps.services.credentials.putSession(opened.sessionId, opened.record, tenant.sessionIdleMinutes * 60_000);
  return {
    sessionId: opened.sessionId,
    userId: input.userId,
    role: opened.record.role,
    platformOperator: opened.record.platformOperator,
    tenant: { id: tenant.uuid, slug: tenant.slug, name: tenant.name },
    refreshToken: opened.refreshToken,
    absoluteExpiresAt,
    ...(await signAccessToken(deps.tokens, tenant, opened.record, opened.sessionId, now.getTime())),
  };
}

/** Marks one session ended in PostgreSQL; it is refused from the moment that commits. */
function endSession(ctx: TenantContext, session: AuthSessionEntity, reason: SessionEndReason): void {
  session.revokedAt = ctx.now;
  session.revokedReason = reason;
  audit(ctx, { action: 'session.revoked', resourceType: 'session', resourceId: session.id, details: { reason } });
  revokeWithUnitOfWork(
    ctx.em,
    ctx.deps,
    { kind: 'sessions.revoke', payload: { userId: session.user.id, sessionIds: [session.id], allOfMember: false } },
    ctx.tenantId,
  );
}

type RotationOutcome =
  | { kind: 'rotated'; sessionId: string; refreshToken: string; record: SessionRecord; absoluteExpiresAt: Date }
  | { kind: 'refused'; error: DomainError };

/**
 * Exchanges a refresh token for a new access token and a new refresh token. A token that was
 * already rotated away is a sign of theft: the whole session ends (unless it is the immediate
 * predecessor presented within seconds, i.e. two tabs refreshing at once).
 */
export async function rotateRefreshToken(deps: SessionDeps, token: string, actor: Actor): Promise<IssuedSession> {
  const parts = parseRefreshToken(token);
  if (!parts) throw unprovenCredential();
  const tenant = await deps.services.tenants.getByUuid(parts.tenantUuid);
  if (!tenant) throw unprovenCredential();
  const outcome = await deps.db.inTenant(tenant.id, async (em): Promise<RotationOutcome> => {
    const ctx = tenantContext(em, tenant.id, actor, deps.services);
    const session = await em.findOne(
      AuthSession,
      { id: parts.sessionId },
      { lockMode: LockMode.PESSIMISTIC_WRITE, populate: ['user'] },
    );
    if (!session) return { kind: 'refused', error: unprovenCredential() };
    // Nothing about the session or its tenant is told before the secret has matched.
    const current = secretMatches(parts.secret, session.refreshTokenHash);
    const position = current ? -1 : session.previousRefreshTokenHashes.indexOf(hashSecret(parts.secret));
    if (!current && position === -1) return { kind: 'refused', error: unprovenCredential() };
    if (session.revokedAt) return { kind: 'refused', error: sessionEnded() };
    if (!current) {
      if (position === 0 && ctx.now.getTime() - session.lastUsedAt.getTime() < CONCURRENT_REFRESH_GRACE_MS) {
        return { kind: 'refused', error: new DomainError('UNAUTHORIZED', 'Refresh token was just rotated; retry') };
      }
      endSession(ctx, session, 'refresh_token_reused');
      return {
        kind: 'refused',
        error: new DomainError('UNAUTHORIZED', 'Refresh token was already used; the session has been ended'),
      };
    }
    const standing = tenantStandingProblem(tenant, actor.ipAddress ?? null);
    if (standing) return { kind: 'refused', error: standing };
    if (session.absoluteExpiresAt <= ctx.now) {
      endSession(ctx, session, 'expired');
      return { kind: 'refused', error: sessionEnded() };
    }
    // Redis holds the idle timeout: a session nobody used for that long has no record left.
    if (!(await ctx.deps.credentials.getSession(session.id))) {
      endSession(ctx, session, 'idle_timeout');
      return { kind: 'refused', error: sessionEnded() };
    }
    const membership = await activeMembership(ctx, session.user.id);
    if (!membership) {
      endSession(ctx, session, 'membership_ended');
      return { kind: 'refused', error: sessionEnded() };
    }
    const refresh = generateRefreshToken(tenant.uuid, session.id);
    session.previousRefreshTokenHashes = [session.refreshTokenHash, ...session.previousRefreshTokenHashes].slice(
      0,
      REMEMBERED_REFRESH_HASHES,
    );
    session.refreshTokenHash = refresh.secretHash;
    session.lastUsedAt = ctx.now;
    session.ipAddress = actor.ipAddress ?? null;
    session.userAgent = actor.userAgent ?? null;
    return {
      kind: 'rotated',
      sessionId: session.id,
      refreshToken: refresh.token,
      record: recordFor(membership, membership.user, tenant.id, session.absoluteExpiresAt),
      absoluteExpiresAt: session.absoluteExpiresAt,
    };
  });
  if (outcome.kind === 'refused') throw outcome.error;
  // Role or permission changes since the last refresh reach the record here too. A revocation that
  // committed meanwhile left a tombstone, and the session stays ended.
  if (
    !(await deps.services.credentials.putSession(outcome.sessionId, outcome.record, tenant.sessionIdleMinutes * 60_000))
  ) {
    throw sessionEnded();
  }
  return {
    sessionId: outcome.sessionId,
    userId: outcome.record.userId,
    role: outcome.record.role,
    platformOperator: outcome.record.platformOperator,
    tenant: { id: tenant.uuid, slug: tenant.slug, name: tenant.name },
    refreshToken: outcome.refreshToken,
    absoluteExpiresAt: outcome.absoluteExpiresAt,
    ...(await signAccessToken(deps.tokens, tenant, outcome.record, outcome.sessionId, Date.now())),
  };
}

/**
 * Managing another member's sessions is managing that member: like any member change, only over
 * someone whose permissions all lie within the actor's own (a manager cannot sign an admin out).
 * A user without a membership here has no sessions here either: there is nothing to refuse.
 */
export async function assertMayManageSessionsOf(
  ctx: TenantContext,
  userId: string,
  actorPermissions: ReadonlySet<Permission>,
): Promise<void> {
  const member = await ctx.em.findOne(TenantUser, { user: userId });
  if (member) assertMayGrant(actorPermissions, permissionsOf(member), "manage this member's sessions");
}

/**
 * Ends one session of this tenant; false when there is no such live session here. `ownedBy` limits
 * it to one user's sessions; `managedWith` lets anyone's go whom those permissions outrank.
 */
export async function revokeSession(
  ctx: TenantContext,
  sessionId: string,
  reason: SessionEndReason,
  options: { ownedBy?: string; managedWith?: ReadonlySet<Permission> } = {},
): Promise<boolean> {
  const session = await ctx.em.findOne(AuthSession, {
    id: sessionId,
    revokedAt: null,
    ...(options.ownedBy ? { user: options.ownedBy } : {}),
  });
  if (!session) return false;
  if (options.managedWith) await assertMayManageSessionsOf(ctx, session.user.id, options.managedWith);
  endSession(ctx, session, reason);
  return true;
}

/**
 * Ends every session of a member in the context's tenant, at once: PostgreSQL rows are marked in
 * this transaction and the Redis records go before it commits, so an access token already handed
 * out fails on its next request. For member management: call it when a member is removed
 * or deactivated (reason 'member_removed' / 'member_deactivated').
 */
export async function endMemberSessions(
  ctx: TenantContext,
  userId: string,
  reason: SessionEndReason,
  options: { exceptSessionId?: string } = {},
): Promise<number> {
  const sessions = await ctx.em.find(AuthSession, { user: userId, revokedAt: null });
  const ending = sessions.filter((session) => session.id !== options.exceptSessionId);
  for (const session of ending) {
    session.revokedAt = ctx.now;
    session.revokedReason = reason;
  }
  if (ending.length > 0) {
    audit(ctx, {
      action: 'session.revoked',
      resourceType: 'user',
      resourceId: userId,
      details: { reason, sessions: ending.length },
    });
  }
  const sessionIds = ending.map((session) => session.id);
  revokeWithUnitOfWork(
    ctx.em,
    ctx.deps,
    { kind: 'sessions.revoke', payload: { userId, sessionIds, allOfMember: !options.exceptSessionId } },
    ctx.tenantId,
  );
  return ending.length;
}

/**
 * Brings a member's live sessions in line with their membership after a change to its role or
 * permission overrides (call it in the same unit of work, after making the change): after commit
 * the Redis records carry the role and permissions the membership then has, so the very next
 * request is checked against them. A membership that is gone or inactive ends the sessions instead.
 */
export async function refreshMemberSessions(ctx: TenantContext, userId: string): Promise<void> {
  const membership = await activeMembership(ctx, userId);
  if (!membership) {
    await endMemberSessions(ctx, userId, 'membership_ended');
    return;
  }
  recordServiceEffect(ctx.em, ctx.deps, { kind: 'sessions.sync', payload: { userId } });
}

export interface SessionSummary {
  id: string;
  createdAt: Date;
  lastUsedAt: Date;
  absoluteExpiresAt: Date;
  ipAddress: string | null;
  userAgent: string | null;
}

/** A member's live sessions in this tenant, newest first. */
export async function listMemberSessions(ctx: TenantContext, userId: string): Promise<SessionSummary[]> {
  const sessions = await ctx.em.find(
    AuthSession,
    { user: userId, revokedAt: null, absoluteExpiresAt: { $gt: ctx.now } },
    { orderBy: { createdAt: 'desc' } },
  );
  const live = await ctx.deps.credentials.liveSessionIds(sessions.map((session) => session.id));
  return sessions
    .filter((session) => live.has(session.id))
    .map((session) => ({
      id: session.id,
      createdAt: session.createdAt,
      lastUsedAt: session.lastUsedAt,
      absoluteExpiresAt: session.absoluteExpiresAt,
      ipAddress: session.ipAddress ?? null,
      userAgent: session.userAgent ?? null,
    }));
}

/**
 * Runs work in a unit of work of every tenant the user belongs to — for account-wide changes
 * (password reset, MFA) that must end the user's sessions everywhere and leave an audit entry in
 * each organization.
 */
export async function forEachMembershipTenant(
  deps: Pick<SessionDeps, 'db' | 'services'>,
  userId: string,
  actor: Actor,
  work: (ctx: TenantContext) => Promise<void>,
): Promise<void> {
  const memberships = await deps.db.inGlobal((em) => membershipsOf(em, userId));
  for (const membership of memberships) {
    await deps.db.inTenant(membership.tenantId, (em) =>
      work(tenantContext(em, membership.tenantId, actor, deps.services)),
    );
  }
}
