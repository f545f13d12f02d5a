import { audit } from '../audit/audit.js';
import { effectivePermissions, type Permission } from '../auth/permissions.js';
import type { Actor, Database } from '../db/database.js';
import { uuidv7 } from '../db/ids.js';
import { DomainError } from '../errors/domain-error.js';
import {
  activeSeatCount,
  assertMayGrant,
  assertSeatAvailable,
  lockTenantForSeats,
  pendingInvitationCount,
  seatLimitReached,
} from '../members/member-guards.js';
import type { Role } from '../members/roles.js';
import { TenantUser } from '../members/tenant-user.entity.js';
import { type ServiceDeps, type TenantContext, tenantContext } from '../services/context.js';
import { Tenant, type TenantEntity } from '../tenants/tenant.entity.js';
import { hashPassword } from '../users/password.js';
import { assertAcceptablePassword } from '../users/password-policy.js';
import { normalizeEmail, User } from '../users/user.entity.js';
import { TenantInvitation, type TenantInvitationEntity } from './invitation.entity.js';
import { generateInvitationToken, parseInvitationToken } from './invitation-token.js';

export const INVITATION_DEFAULT_DAYS = 7;
const DAY_MS = 86_400_000;

export type InvitationStatus = 'pending' | 'expired' | 'accepted' | 'revoked';

export interface InvitationView {
  id: string;
  email: string;
  role: Role;
  status: InvitationStatus;
  expiresAt: Date;
  createdAt: Date;
  invitedByUserId: string | null;
}

function statusOf(invitation: TenantInvitationEntity, now: Date): InvitationStatus {
  if (invitation.acceptedAt) return 'accepted';
  if (invitation.revokedAt) return 'revoked';
  return invitation.expiresAt <= now ? 'expired' : 'pending';
}

function toView(invitation: TenantInvitationEntity, now: Date): InvitationView {
  const invitedBy = invitation.invitedBy;
  return {
    id: invitation.id,
    email: invitation.email,
    role: invitation.role,
    status: statusOf(invitation, now),
    expiresAt: invitation.expiresAt,
    createdAt: invitation.createdAt,
    invitedByUserId: invitedBy ? (typeof invitedBy === 'string' ? invitedBy : invitedBy.id) : null,
  };
}

/** Queues the invitation email; one message per token (a retried job never sends twice). */
async function sendInvitationEmail(
  ctx: TenantContext,
  tenant: TenantEntity,
  invitation: TenantInvitationEntity,
  token: { token: string; tokenHash: string },
): Promise<void> {
  const inviter = ctx.actor.userId ? await ctx.em.findOne(User, { id: ctx.actor.userId }) : null;
  const dedupeKey = `invitation:${invitation.id}:${token.tokenHash.slice(0, 16)}`;
  const acceptUrl = new URL('/invitations/accept', ctx.deps.appUrl);
  acceptUrl.searchParams.set('token', token.token);
  ctx.enqueue(
    'email.send',
    {
      template: 'invitation',
      tenantId: ctx.tenantId,
      to: invitation.email,
      dedupeKey,
      data: {
        tenantName: tenant.name,
        inviterName: inviter?.fullName ?? `${tenant.name} administrators`,
        role: invitation.role,
        acceptUrl: acceptUrl.toString(),
        expiresAt: invitation.expiresAt.toISOString(),
      },
    },
    { jobId: dedupeKey },
  );
}

/** Counts invitations still open as reserved seats: inviting past the limit is refused up front. */
async function assertSeatForInvitation(ctx: TenantContext, tenant: TenantEntity): Promise<void> {
  if (tenant.maxUsers === null || tenant.maxUsers === undefined) return;
  const active = await activeSeatCount(ctx.em, ctx.tenantId);
  const pending = await pendingInvitationCount(ctx.em, ctx.tenantId, ctx.now);
  if (active + pending >= tenant.maxUsers) {
    throw seatLimitReached(tenant, active + pending, `${active} active, ${pending} invited`);
  }
}

export async function createInvitation(
  ctx: TenantContext,
  input: { email: string; role: Role; expiresInDays?: number; actorPermissions: ReadonlySet<Permission> },
): Promise<InvitationView> {
  const email = normalizeEmail(input.email);
  assertMayGrant(input.actorPermissions, effectivePermissions(input.role), `invite someone as ${input.role}`);
  const tenant = await lockTenantForSeats(ctx);
  const member = await ctx.em.findOne(TenantUser, { tenant: ctx.tenantId, user: { email } });
  if (member) {
    throw new DomainError(
      'CONFLICT',
      member.isActive
        ? `${email} is already a member`
        : `${email} is already a member (deactivated): reactivate them instead`,
      { fields: { email: 'already a member' }, details: { reason: 'already_member', memberId: member.id } },
    );
  }
  const open = await ctx.em.findOne(TenantInvitation, {
    tenant: ctx.tenantId,
    email,
    acceptedAt: null,
    revokedAt: null,
    expiresAt: { $gt: ctx.now },
  });
  if (open) {
    throw new DomainError('CONFLICT', `${email} already has a pending invitation: resend it instead`, {
      fields: { email: 'already invited' },
      details: { reason: 'already_invited', invitationId: open.id },
    });
  }
  await assertSeatForInvitation(ctx, tenant);
  const token = generateInvitationToken(tenant.tenantUuid);
  const invitation = ctx.em.create(TenantInvitation, {
    tenant: ctx.tenantId,
    email,
    role: input.role,
    invitedBy: ctx.actor.userId,
    invitationTokenHash: token.tokenHash,
    expiresAt: new Date(ctx.now.getTime() + (input.expiresInDays ?? INVITATION_DEFAULT_DAYS) * DAY_MS),
  });
  await ctx.em.flush();
  audit(ctx, {
    action: 'invitation.created',
    resourceType: 'invitation',
    resourceId: invitation.id,
    details: { email, role: input.role, expiresAt: invitation.expiresAt.toISOString() },
  });
  await sendInvitationEmail(ctx, tenant, invitation, token);
  ctx.publish('invitation.changed', { invitationId: invitation.id, change: 'created' });
  return toView(invitation, ctx.now);
}

async function findInvitation(ctx: TenantContext, invitationId: string): Promise<TenantInvitationEntity> {
  const invitation = await ctx.em.findOne(TenantInvitation, { tenant: ctx.tenantId, id: invitationId });
  if (!invitation) throw new DomainError('NOT_FOUND', 'Invitation not found');
  return invitation;
}

function assertStillOpen(invitation: TenantInvitationEntity, action: string): void {
  if (invitation.acceptedAt) {
    throw new DomainError('CONFLICT', `Cannot ${action}: the invitation was already accepted`, {
      details: { reason: 'invitation_used' },
    });
  }
  if (invitation.revokedAt) {
    throw new DomainError('CONFLICT', `Cannot ${action}: the invitation was revoked`, {
      details: { reason: 'invitation_revoked' },
    });
  }
}

/** A new token and expiry, emailed again; the previous link stops working at once. */
export async function resendInvitation(
  ctx: TenantContext,
  input: { invitationId: string; actorPermissions: ReadonlySet<Permission> },
): Promise<InvitationView> {
  const tenant = await lockTenantForSeats(ctx);
  const invitation = await findInvitation(ctx, input.invitationId);
  assertStillOpen(invitation, 'resend');
  assertMayGrant(input.actorPermissions, effectivePermissions(invitation.role), `invite someone as ${invitation.role}`);
  // An expired invitation no longer reserved a seat; renewing it reserves one again.
  if (statusOf(invitation, ctx.now) === 'expired') await assertSeatForInvitation(ctx, tenant);
  const token = generateInvitationToken(tenant.tenantUuid);
  const before = invitation.expiresAt.toISOString();
  invitation.invitationTokenHash = token.tokenHash;
  invitation.expiresAt = new Date(ctx.now.getTime() + INVITATION_DEFAULT_DAYS * DAY_MS);
  await ctx.em.flush();
  audit(ctx, {
    action: 'invitation.resent',
    resourceType: 'invitation',
    resourceId: invitation.id,
    details: {
      email: invitation.email,
      before: { expiresAt: before },
      after: { expiresAt: invitation.expiresAt.toISOString() },
    },
  });
  await sendInvitationEmail(ctx, tenant, invitation, token);
  ctx.publish('invitation.changed', { invitationId: invitation.id, change: 'resent' });
  return toView(invitation, ctx.now);
}

/** Like sending one, withdrawing an invitation is for someone who could have sent it (a manager not an admin's). */
export async function revokeInvitation(
  ctx: TenantContext,
  input: { invitationId: string; actorPermissions: ReadonlySet<Permission> },
): Promise<InvitationView> {
  const invitation = await findInvitation(ctx, input.invitationId);
  assertStillOpen(invitation, 'revoke');
  assertMayGrant(
    input.actorPermissions,
    effectivePermissions(invitation.role),
    `revoke an invitation as ${invitation.role}`,
  );
  invitation.revokedAt = ctx.now;
  audit(ctx, {
    action: 'invitation.revoked',
    resourceType: 'invitation',
    resourceId: invitation.id,
    details: { email: invitation.email, role: invitation.role },
  });
  ctx.publish('invitation.changed', { invitationId: invitation.id, change: 'revoked' });
  return toView(invitation, ctx.now);
}

/** Invitations not yet accepted or revoked (expired ones included, marked so), newest first. */
export async function listInvitations(
  ctx: TenantContext,
  input: { includeClosed?: boolean } = {},
): Promise<InvitationView[]> {
  const rows = await ctx.em.find(
    TenantInvitation,
    { tenant: ctx.tenantId, ...(input.includeClosed ? {} : { acceptedAt: null, revokedAt: null }) },
    { orderBy: { createdAt: 'desc', id: 'desc' }, limit: 500 },
  );
  return rows.map((row) => toView(row, ctx.now));
}

// ── acceptance ──────────────────────────────────────────────────────────────────────────────────

const invalidLink = () =>
  new DomainError('NOT_FOUND', 'This invitation link is not valid. Ask for a new invitation.', {
    details: { reason: 'invitation_unknown' },
  });

/** The invitation behind a token, or the distinct reason it cannot be used. */
async function usableInvitation(ctx: TenantContext, tokenHash: string): Promise<TenantInvitationEntity> {
  const invitation = await ctx.em.findOne(TenantInvitation, { tenant: ctx.tenantId, invitationTokenHash: tokenHash });
  if (!invitation) throw invalidLink();
  if (invitation.acceptedAt) {
    throw new DomainError('CONFLICT', 'This invitation has already been used. Sign in instead.', {
      details: { reason: 'invitation_used' },
    });
  }
  if (invitation.revokedAt) {
    throw new DomainError('PRECONDITION_FAILED', 'This invitation was revoked. Ask for a new invitation.', {
      details: { reason: 'invitation_revoked' },
    });
  }
  if (invitation.expiresAt <= ctx.now) {
    throw new DomainError(
      'PRECONDITION_FAILED',
      `This invitation expired on ${invitation.expiresAt.toISOString()}. Ask for a new invitation.`,
      { details: { reason: 'invitation_expired', expiredAt: invitation.expiresAt.toISOString() } },
    );
  }
  return invitation;
}

export interface InvitationPreview {
  tenantName: string;
  email: string;
  role: Role;
  expiresAt: Date;
  /** Whether the invitee must sign in to accept (an account with a password exists). */
  accountExists: boolean;
}

/** What the accept page shows before the invitee decides. */
export async function previewInvitation(ctx: TenantContext, input: { tokenHash: string }): Promise<InvitationPreview> {
  const invitation = await usableInvitation(ctx, input.tokenHash);
  const tenant = await ctx.em.findOneOrFail(Tenant, { id: ctx.tenantId });
  const account = await invitedAccount(ctx, invitation);
  return {
    tenantName: tenant.name,
    email: invitation.email,
    role: invitation.role,
    expiresAt: invitation.expiresAt,
    accountExists: account?.hasPassword === true,
  };
}

export interface AcceptInvitation {
  tokenHash: string;
  /** Set when a signed-in user accepts: they join as themselves. */
  signedInUserId: string | null;
  /** For a new account: the name and password to create it with. */
  fullName?: string;
  password?: string;
}

export interface AcceptedInvitation {
  memberId: string;
  userId: string;
  role: Role;
  userCreated: boolean;
  tenant: { uuid: string; slug: string; name: string };
}

/**
 * The account of the invited address, if there is one. It is no member of this tenant yet, so
 * row-level security hides its row; the `invited_account` function answers for a pending
 * invitation of this tenant only, with the account's id and whether it has a password.
 */
async function invitedAccount(
  ctx: TenantContext,
  invitation: TenantInvitationEntity,
): Promise<{ userId: string; hasPassword: boolean } | null> {
  const [row] = await ctx.em.execute<{ user_id: string; has_password: boolean }[]>(
    'select user_id, has_password from invited_account(?)',
    [invitation.id],
  );
  return row ? { userId: row.user_id, hasPassword: row.has_password } : null;
}

/** The account joining: the signed-in user, or one created (or completed) from the invitation. */
async function joiningUser(
  ctx: TenantContext,
  invitation: TenantInvitationEntity,
  input: AcceptInvitation,
): Promise<{ userId: string; created: boolean }> {
  const existing = await invitedAccount(ctx, invitation);
  if (input.signedInUserId) {
    if (existing?.userId !== input.signedInUserId) {
      throw new DomainError(
        'FORBIDDEN',
        `This invitation was sent to ${invitation.email}; sign in with that address to accept it`,
        { details: { reason: 'invitation_email_mismatch' } },
      );
    }
    return { userId: existing.userId, created: false };
  }
  if (existing?.hasPassword) {
    throw new DomainError(
      'UNAUTHORIZED',
      `An account exists for ${invitation.email}: sign in, then accept the invitation`,
      {
        details: { reason: 'sign_in_required' },
      },
    );
  }
  const fields: Record<string, string> = {};
  const fullName = input.fullName?.trim() ?? '';
  if (!fullName) fields.fullName = 'Enter your name';
  if (!input.password) fields.password = 'Choose a password';
  if (Object.keys(fields).length > 0) {
    throw new DomainError('BAD_REQUEST', 'A name and a password are needed to create your account', { fields });
  }
  assertAcceptablePassword(input.password as string, { email: invitation.email });
  const passwordHash = await hashPassword(input.password as string);
  // Creates the account, or completes one never given a password (e.g. an unused welcome link).
  const [claimed] = await ctx.em.execute<{ user_id: string | null }[]>(
    'select claim_invited_account(?, ?, ?, ?) as user_id',
    [invitation.id, uuidv7(), fullName, passwordHash],
  );
  if (!claimed?.user_id) {
    // A password was set for the address meanwhile: its owner signs in to accept.
    throw new DomainError(
      'UNAUTHORIZED',
      `An account exists for ${invitation.email}: sign in, then accept the invitation`,
      {
        details: { reason: 'sign_in_required' },
      },
    );
  }
  return { userId: claimed.user_id, created: existing === null };
}

/** Joins the invitation's tenant with the invited role; single use, within the seat limit. */
export async function acceptInvitation(ctx: TenantContext, input: AcceptInvitation): Promise<AcceptedInvitation> {
  const tenant = await lockTenantForSeats(ctx);
  const invitation = await usableInvitation(ctx, input.tokenHash);
  if (!tenant.isActive) {
    throw new DomainError('FORBIDDEN', 'This organization is suspended. Contact your platform operator.', {
      details: { reason: 'tenant_suspended' },
    });
  }
  const { userId, created } = await joiningUser(ctx, invitation, input);
  const user = ctx.em.getReference(User, userId);
  if (!created && (await ctx.em.findOne(TenantUser, { tenant: ctx.tenantId, user: userId }))) {
    throw new DomainError('CONFLICT', 'You are already a member of this organization', {
      details: { reason: 'already_member' },
    });
  }
  await assertSeatAvailable(ctx, tenant);
  const member = ctx.em.create(TenantUser, { tenant: ctx.tenantId, user, role: invitation.role });
  invitation.acceptedAt = ctx.now;
  invitation.acceptedBy = user;
  await ctx.em.flush();
  // The new member is the actor of their own joining.
  const asJoiner: TenantContext = { ...ctx, actor: { ...ctx.actor, userId: user.id } };
  audit(asJoiner, {
    action: 'invitation.accepted',
    resourceType: 'invitation',
    resourceId: invitation.id,
    details: { email: invitation.email, userCreated: created },
  });
  audit(asJoiner, {
    action: 'member.added',
    resourceType: 'member',
    resourceId: member.id,
    details: { userId: user.id, after: { role: invitation.role, isActive: true }, via: 'invitation' },
  });
  ctx.publish('member.changed', { memberId: member.id, change: 'added' });
  ctx.publish('invitation.changed', { invitationId: invitation.id, change: 'accepted' });
  return {
    memberId: member.id,
    userId: user.id,
    role: invitation.role,
    userCreated: created,
    tenant: { uuid: tenant.tenantUuid, slug: tenant.slug, name: tenant.name },
  };
}

/**
 * Opens the unit of work of the tenant an invitation token names (the token carries it, so no
 * global lookup table is needed). A malformed token, or one naming no tenant, is as invalid as an
 * unknown one.
 */
export async function inInvitationTenant<T>(
  deps: { db: Database; services: ServiceDeps },
  token: string,
  actor: Actor,
  work: (ctx: TenantContext, tokenHash: string) => Promise<T>,
): Promise<T> {
  const parsed = parseInvitationToken(token);
  const tenant = parsed ? await deps.services.tenants.getByUuid(parsed.tenantUuid) : null;
  if (!parsed || !tenant) throw invalidLink();
  return deps.db.inTenant(tenant.id, (em) =>
    work(tenantContext(em, tenant.id, actor, deps.services), parsed.tokenHash),
  );
}
