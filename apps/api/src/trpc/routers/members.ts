import { PERMISSIONS, type Permission } from '@digame/core/auth';
import {
  changeMemberRole,
  deactivateMember,
  listMembers,
  type MemberChangeActor,
  ROLES,
  reactivateMember,
  removeMember,
  setMemberPermissions,
  unlockMemberSignIn,
} from '@digame/core/members';
import { z } from 'zod';
import type { TenantScope } from '../trpc.js';
import { can, router } from '../trpc.js';
import { addressedTenantProcedure, isoDateTime, pageLimit, tenantAddress } from './admin-common.js';

const memberOutput = z.object({
  id: z.uuid(),
  userId: z.uuid(),
  email: z.string(),
  fullName: z.string(),
  role: z.enum(ROLES),
  permissionOverrides: z.object({ grant: z.array(z.string()), deny: z.array(z.string()) }),
  effectivePermissions: z.array(z.enum(PERMISSIONS)),
  isActive: z.boolean(),
  joinedAt: isoDateTime,
  lastActiveAt: isoDateTime.nullable(),
});

/** `active=true` as a query string or a JSON boolean. */
const booleanish = z.union([z.boolean(), z.enum(['true', 'false']).transform((value) => value === 'true')]);

const memberId = { memberId: z.uuid('must be a member id') };

const actorOf = (ctx: TenantScope): MemberChangeActor => ({ actorPermissions: ctx.principal.permissions });

const manage = can('users.manage');

export const membersRouter = router({
  /** Members with the brief's filters (role, active), a search over name and email, and a cursor. */
  list: addressedTenantProcedure('users.read')
    .input(
      z.strictObject({
        ...tenantAddress,
        role: z.enum(ROLES).optional(),
        active: booleanish.optional(),
        search: z.string().trim().min(1).max(100).optional(),
        cursor: z.uuid('must be a cursor from a previous page').optional(),
        limit: pageLimit,
      }),
    )
    .output(z.object({ items: z.array(memberOutput), nextCursor: z.string().nullable() }))
    .query(({ ctx, input: { tenantId: _address, ...filters } }) => ctx.run((sc) => listMembers(sc, filters))),

  changeRole: manage
    .input(z.strictObject({ ...memberId, role: z.enum(ROLES) }))
    .output(memberOutput)
    .mutation(({ ctx, input }) => ctx.run((sc) => changeMemberRole(sc, { ...input, ...actorOf(ctx) }))),

  /** Per-member grants and denials on top of the role (a denial wins). */
  setPermissions: manage
    .input(
      z.strictObject({
        ...memberId,
        grant: z.array(z.enum(PERMISSIONS)).max(PERMISSIONS.length).default([]),
        deny: z.array(z.enum(PERMISSIONS)).max(PERMISSIONS.length).default([]),
      }),
    )
    .output(memberOutput)
    .mutation(({ ctx, input }) =>
      ctx.run((sc) =>
        setMemberPermissions(sc, {
          ...input,
          grant: input.grant as Permission[],
          deny: input.deny as Permission[],
          ...actorOf(ctx),
        }),
      ),
    ),

  deactivate: manage
    .input(z.strictObject(memberId))
    .output(memberOutput)
    .mutation(({ ctx, input }) => ctx.run((sc) => deactivateMember(sc, { ...input, ...actorOf(ctx) }))),

  reactivate: manage
    .input(z.strictObject(memberId))
    .output(memberOutput)
    .mutation(({ ctx, input }) => ctx.run((sc) => reactivateMember(sc, { ...input, ...actorOf(ctx) }))),

  /**
   * Lifts a member's sign-in lock-outs (from every address) and password-reset mail counts, so a
   * member locked out by someone else's guessing gets in again. Operators may do it in any tenant
   * (by `tenantId`), audited there.
   */
  unlockSignIn: addressedTenantProcedure('users.manage')
    .input(z.strictObject({ ...tenantAddress, ...memberId }))
    .output(memberOutput)
    .mutation(({ ctx, input }) =>
      ctx.run((sc) => unlockMemberSignIn(sc, { memberId: input.memberId, actorPermissions: ctx.actorPermissions })),
    ),

  remove: manage
    .input(z.strictObject(memberId))
    .output(z.object({ removed: z.literal(true) }))
    .mutation(({ ctx, input }) => ctx.run((sc) => removeMember(sc, { ...input, ...actorOf(ctx) }))),
});
