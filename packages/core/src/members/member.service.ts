import type { FilterQuery } from '@mikro-orm/core';
import { audit, changedFields } from '../audit/audit.js';
import { revokeKeysCreatedBy } from '../auth/api-keys.js';
import type { Permission, PermissionOverrides } from '../auth/permissions.js';
import { endMemberSessions, refreshMemberSessions } from '../auth/sessions.js';
import { throttleAccountOf } from '../auth/sign-in-throttle.js';
import { DomainError } from '../errors/domain-error.js';
import type { TenantContext } from '../services/context.js';
import { recordServiceEffect } from '../services/effects.js';
import {
  assertKeepsAnAdmin,
  assertMayGrant,
  assertSeatAvailable,
  lockTenantForSeats,
  permissionsOf,
} from './member-guards.js';
import type { Role } from './roles.js';
import { TenantUser, type TenantUserEntity } from './tenant-user.entity.js';

export interface MemberView {
  id: string;
  userId: string;
  email: string;
  fullName: string;
  role: Role;
  permissionOverrides: { grant: string[]; deny: string[] };
  effectivePermissions: Permission[];
  isActive: boolean;
  joinedAt: Date;
  lastActiveAt: Date | null;
}

export function toMemberView(member: TenantUserEntity): MemberView {
  return {
    id: member.id,
    userId: member.user.id,
    email: member.user.email,
    fullName: member.user.fullName,
    role: member.role,
    permissionOverrides: { grant: member.permissions.grant ?? [], deny: member.permissions.deny ?? [] },
    effectivePermissions: [...permissionsOf(member)].sort(),
    isActive: member.isActive,
    joinedAt: member.joinedAt,
    lastActiveAt: member.lastActiveAt ?? null,
  };
}

export interface ListMembers {
  role?: Role;
  active?: boolean;
  /** Matches email or name, case-insensitively. */
  search?: string;
  /** The last id of the previous page. */
  cursor?: string;
  limit: number;
}

/** Members in join order (ids are time-ordered), with the brief's filters, a search and a cursor. */
export async function listMembers(
  ctx: TenantContext,
  input: ListMembers,
): Promise<{ items: MemberView[]; nextCursor: string | null }> {
  const where: FilterQuery<TenantUserEntity> = { tenant: ctx.tenantId };
  if (input.role) where.role = input.role;
  if (input.active !== undefined) where.isActive = input.active;
  if (input.cursor) where.id = { $gt: input.cursor };
  if (input.search) {
    const pattern = `%${input.search.replace(/[\\%_]/g, (match) => `\\${match}`)}%`;
    where.user = { $or: [{ email: { $ilike: pattern } }, { fullName: { $ilike: pattern } }] };
  }
  const rows = await ctx.em.find(TenantUser, where, {
    populate: ['user'],
    orderBy: { id: 'asc' },
    limit: input.limit + 1,
  });
  const page = rows.slice(0, input.limit);
  return {
    items: page.map(toMemberView),
    nextCursor: rows.length > input.limit ? (page.at(-1)?.id ?? null) : null,
  };
}

/** Who is acting, for the rule that nobody grants beyond their own permissions. */
export interface MemberChangeActor {
  actorPermissions: ReadonlySet<Permission>;
}

async function findMember(ctx: TenantContext, memberId: string): Promise<TenantUserEntity> {
  const member = await ctx.em.findOne(TenantUser, { tenant: ctx.tenantId, id: memberId }, { populate: ['user'] });
  if (!member) throw new DomainError('NOT_FOUND', 'Member not found');
  return member;
}

/** Loads a member for a change, after locking the tenant and checking the actor outranks them. */
async function memberForChange(ctx: TenantContext, memberId: string, actor: MemberChangeActor, what: string) {
  await lockTenantForSeats(ctx);
  const member = await findMember(ctx, memberId);
  assertMayGrant(actor.actorPermissions, permissionsOf(member), what);
  return member;
}

function memberChanged(ctx: TenantContext, member: TenantUserEntity, change: string): void {
  ctx.publish('member.changed', { memberId: member.id, change });
}

/** A change of what a member may do: audited with its diff, and live at once in their sessions. */
async function commitAccessChange(
  ctx: TenantContext,
  member: TenantUserEntity,
  action: 'member.role_changed' | 'member.permissions_changed',
  change: 'role' | 'permissions',
  diff: ReturnType<typeof changedFields>,
): Promise<void> {
  audit(ctx, { action, resourceType: 'member', resourceId: member.id, details: { userId: member.user.id, ...diff } });
  await ctx.em.flush();
  await refreshMemberSessions(ctx, member.user.id);
  memberChanged(ctx, member, change);
}

export async function changeMemberRole(
  ctx: TenantContext,
  input: MemberChangeActor & { memberId: string; role: Role },
): Promise<MemberView> {
  const member = await memberForChange(ctx, input.memberId, input, 'change this member');
  assertMayGrant(
    input.actorPermissions,
    permissionsOf({ role: input.role, permissions: member.permissions }),
    `make them ${input.role}`,
  );
  if (member.role === input.role) return toMemberView(member);
  if (input.role !== 'admin') await assertKeepsAnAdmin(ctx, member, 'change the role of the last admin');
  const diff = changedFields({ role: member.role }, { role: input.role });
  member.role = input.role;
  await commitAccessChange(ctx, member, 'member.role_changed', 'role', diff);
  return toMemberView(member);
}

/** Grants and denials on top of the role (a denial wins). */
export async function setMemberPermissions(
  ctx: TenantContext,
  input: MemberChangeActor & { memberId: string; grant: Permission[]; deny: Permission[] },
): Promise<MemberView> {
  const member = await memberForChange(ctx, input.memberId, input, 'change this member');
  const overrides: PermissionOverrides = {
    grant: [...new Set(input.grant)].sort(),
    deny: [...new Set(input.deny)].sort(),
  };
  assertMayGrant(input.actorPermissions, new Set(overrides.grant as Permission[]), 'grant these permissions');
  const diff = changedFields({ permissions: member.permissions }, { permissions: overrides });
  if (!diff) return toMemberView(member);
  member.permissions = overrides;
  await commitAccessChange(ctx, member, 'member.permissions_changed', 'permissions', diff);
  return toMemberView(member);
}

/** A deactivated member keeps their record but frees their seat and loses every live session. */
export async function deactivateMember(
  ctx: TenantContext,
  input: MemberChangeActor & { memberId: string },
): Promise<MemberView> {
  const member = await memberForChange(ctx, input.memberId, input, 'deactivate this member');
  if (!member.isActive) return toMemberView(member);
  await assertKeepsAnAdmin(ctx, member, 'deactivate the last admin');
  member.isActive = false;
  audit(ctx, {
    action: 'member.deactivated',
    resourceType: 'member',
    resourceId: member.id,
    details: { userId: member.user.id, before: { isActive: true }, after: { isActive: false } },
  });
  await ctx.em.flush();
  await endMemberSessions(ctx, member.user.id, 'member_deactivated');
  await revokeKeysCreatedBy(ctx, member.user.id, 'creator_deactivated');
  memberChanged(ctx, member, 'deactivated');
  return toMemberView(member);
}

/** Takes a seat again, so the tier's member limit applies. */
export async function reactivateMember(
  ctx: TenantContext,
  input: MemberChangeActor & { memberId: string },
): Promise<MemberView> {
  const tenant = await lockTenantForSeats(ctx);
  const member = await findMember(ctx, input.memberId);
  assertMayGrant(input.actorPermissions, permissionsOf(member), 'reactivate this member');
  if (member.isActive) return toMemberView(member);
  await assertSeatAvailable(ctx, tenant);
  member.isActive = true;
  audit(ctx, {
    action: 'member.reactivated',
    resourceType: 'member',
    resourceId: member.id,
    details: { userId: member.user.id, before: { isActive: false }, after: { isActive: true } },
  });
  memberChanged(ctx, member, 'reactivated');
  return toMemberView(member);
}

/**
 * Lifts a member's sign-in lock-outs, from every address, and their password-reset mail counts: for
 * an admin whose member is locked out (someone else guessing, or the member's own typos) or an
 * operator acting in the tenant. Audited here; Redis is changed through the outbox on commit.
 */
export async function unlockMemberSignIn(
  ctx: TenantContext,
  input: MemberChangeActor & { memberId: string },
): Promise<MemberView> {
  const member = await findMember(ctx, input.memberId);
  assertMayGrant(input.actorPermissions, permissionsOf(member), 'unlock this member');
  recordServiceEffect(ctx.em, ctx.deps, {
    kind: 'sign_in.unlock',
    payload: { account: throttleAccountOf(member.user.email) },
  });
  audit(ctx, {
    action: 'member.sign_in_unlocked',
    resourceType: 'member',
    resourceId: member.id,
    details: { userId: member.user.id },
  });
  return toMemberView(member);
}

/** Removes the membership (the global user stays; they may belong to other organizations). */
export async function removeMember(
  ctx: TenantContext,
  input: MemberChangeActor & { memberId: string },
): Promise<{ removed: true }> {
  const member = await memberForChange(ctx, input.memberId, input, 'remove this member');
  await assertKeepsAnAdmin(ctx, member, 'remove the last admin');
  const snapshot = { userId: member.user.id, email: member.user.email, role: member.role, isActive: member.isActive };
  await endMemberSessions(ctx, member.user.id, 'member_removed');
  await revokeKeysCreatedBy(ctx, member.user.id, 'creator_removed');
  ctx.em.remove(member);
  audit(ctx, {
    action: 'member.removed',
    resourceType: 'member',
    resourceId: member.id,
    details: { before: snapshot },
  });
  memberChanged(ctx, member, 'removed');
  return { removed: true };
}
