import type { EntityManager } from '@mikro-orm/postgresql';
import { effectivePermissions, type Permission, type PermissionOverrides } from '../auth/permissions.js';
import { DomainError } from '../errors/domain-error.js';
import { TenantInvitation } from '../invitations/invitation.entity.js';
import type { TenantContext } from '../services/context.js';
import type { TenantEntity } from '../tenants/tenant.entity.js';
import { lockTenantRow } from '../tenants/tenant-lock.js';
import type { Role } from './roles.js';
import { TenantUser, type TenantUserEntity } from './tenant-user.entity.js';

/**
 * Nobody hands out more than they hold: a caller may only give (or take from) a member a set of
 * permissions that is within their own. So a manager manages members and viewers but not admins,
 * and an API key acts within its scopes.
 */
export function assertMayGrant(
  actorPermissions: ReadonlySet<Permission>,
  granted: ReadonlySet<Permission>,
  what: string,
): void {
  const beyond = [...granted].filter((permission) => !actorPermissions.has(permission)).sort();
  if (beyond.length > 0) {
    throw new DomainError(
      'FORBIDDEN',
      `You cannot ${what}: it involves permissions you do not hold (${beyond.join(', ')})`,
      {
        details: { reason: 'exceeds_own_permissions', permissions: beyond },
      },
    );
  }
}

export function permissionsOf(member: { role: Role; permissions: PermissionOverrides }): Set<Permission> {
  return effectivePermissions(member.role, member.permissions);
}

/**
 * Locks the tenant row for the rest of the transaction, so seat checks of concurrent invitations,
 * acceptances and reactivations in the same tenant happen one after another (no overshoot).
 */
export async function lockTenantForSeats(ctx: TenantContext): Promise<TenantEntity> {
  return lockTenantRow(ctx.em, ctx.tenantId);
}

export async function activeSeatCount(em: EntityManager, tenantId: number): Promise<number> {
  return em.count(TenantUser, { tenant: tenantId, isActive: true });
}

export async function pendingInvitationCount(em: EntityManager, tenantId: number, now: Date): Promise<number> {
  return em.count(TenantInvitation, {
    tenant: tenantId,
    acceptedAt: null,
    revokedAt: null,
    expiresAt: { $gt: now },
  });
}

export function seatLimitReached(tenant: TenantEntity, used: number, detail: string): DomainError {
  return new DomainError(
    'PRECONDITION_FAILED',
    `Seat limit reached: your ${tenant.subscriptionTier} plan allows ${tenant.maxUsers} members (${detail}). Upgrade or free a seat first.`,
    { details: { reason: 'seat_limit_reached', limit: tenant.maxUsers, used } },
  );
}

/** Refuses adding one more active member beyond the tier's max_users (null = unlimited). */
export async function assertSeatAvailable(ctx: TenantContext, tenant: TenantEntity): Promise<void> {
  if (tenant.maxUsers === null || tenant.maxUsers === undefined) return;
  const active = await activeSeatCount(ctx.em, ctx.tenantId);
  if (active >= tenant.maxUsers) throw seatLimitReached(tenant, active, `${active} active`);
}

/** A change that would leave the organization without an active admin is refused. */
export async function assertKeepsAnAdmin(ctx: TenantContext, member: TenantUserEntity, change: string): Promise<void> {
  if (member.role !== 'admin' || !member.isActive) return;
  const otherAdmins = await ctx.em.count(TenantUser, {
    tenant: ctx.tenantId,
    role: 'admin',
    isActive: true,
    id: { $ne: member.id },
  });
  if (otherAdmins === 0) {
    throw new DomainError('PRECONDITION_FAILED', `Cannot ${change}: the organization needs at least one active admin`, {
      details: { reason: 'last_admin' },
    });
  }
}
