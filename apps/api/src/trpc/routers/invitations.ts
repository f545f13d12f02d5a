import {
  acceptInvitation,
  createInvitation,
  inInvitationTenant,
  listInvitations,
  previewInvitation,
  resendInvitation,
  revokeInvitation,
} from '@digame/core/invitations';
import { ROLES } from '@digame/core/members';
import { z } from 'zod';
import { can, publicProcedure, router } from '../trpc.js';
import { addressedTenantProcedure, isoDateTime, tenantAddress } from './admin-common.js';

const invitationOutput = z.object({
  id: z.uuid(),
  email: z.string(),
  role: z.enum(ROLES),
  status: z.enum(['pending', 'expired', 'accepted', 'revoked']),
  expiresAt: isoDateTime,
  createdAt: isoDateTime,
  invitedByUserId: z.string().nullable(),
});

const token = z.string().trim().min(1, 'is required').max(200);
const invitationId = { invitationId: z.uuid('must be an invitation id') };

export const invitationsRouter = router({
  /** Invites an address with a role; the accept link is emailed (the token is never returned). */
  create: addressedTenantProcedure('users.invite')
    .input(
      z.strictObject({
        ...tenantAddress,
        email: z.email('must be an email address').max(255),
        role: z.enum(ROLES).default('member'),
        expiresInDays: z.number().int().min(1).max(30).optional(),
      }),
    )
    .output(invitationOutput)
    .mutation(({ ctx, input: { tenantId: _address, ...invitation } }) =>
      ctx.run((sc) => createInvitation(sc, { ...invitation, actorPermissions: ctx.actorPermissions })),
    ),

  /** Open invitations (pending or expired); `includeClosed` adds accepted and revoked ones. */
  list: can('users.invite')
    .input(z.strictObject({ includeClosed: z.boolean().default(false) }).optional())
    .output(z.array(invitationOutput))
    .query(({ ctx, input }) => ctx.run((sc) => listInvitations(sc, input))),

  /** A new link with a new expiry; the previous link stops working. */
  resend: can('users.invite')
    .input(z.strictObject(invitationId))
    .output(invitationOutput)
    .mutation(({ ctx, input }) =>
      ctx.run((sc) => resendInvitation(sc, { ...input, actorPermissions: ctx.principal.permissions })),
    ),

  revoke: can('users.invite')
    .input(z.strictObject(invitationId))
    .output(invitationOutput)
    .mutation(({ ctx, input }) =>
      ctx.run((sc) => revokeInvitation(sc, { ...input, actorPermissions: ctx.principal.permissions })),
    ),

  /** What the accept page shows: organization, address, role, and whether to sign in first. */
  preview: publicProcedure
    .input(z.strictObject({ token }))
    .output(
      z.object({
        tenantName: z.string(),
        email: z.string(),
        role: z.enum(ROLES),
        expiresAt: isoDateTime,
        accountExists: z.boolean(),
      }),
    )
    .query(({ ctx, input }) =>
      inInvitationTenant(
        ctx,
        input.token,
        { userId: null, ipAddress: ctx.ipAddress, userAgent: ctx.userAgent },
        (sc, tokenHash) => previewInvitation(sc, { tokenHash }),
      ),
    ),

  /**
   * Joins the organization with the invited role: signed in, as yourself (the invitation's
   * address); otherwise as a new account with the name and password given here.
   */
  accept: publicProcedure
    .input(
      z.strictObject({
        token,
        fullName: z.string().trim().min(1).max(255).optional(),
        password: z.string().max(256).optional(),
      }),
    )
    .output(
      z.object({
        memberId: z.uuid(),
        userId: z.uuid(),
        role: z.enum(ROLES),
        userCreated: z.boolean(),
        tenant: z.object({ id: z.uuid(), slug: z.string(), name: z.string() }),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const principal = ctx.caller.principal;
      const signedInUserId = principal?.kind === 'session' ? principal.userId : null;
      const actor = { userId: signedInUserId, ipAddress: ctx.ipAddress, userAgent: ctx.userAgent };
      const accepted = await inInvitationTenant(ctx, input.token, actor, (sc, tokenHash) =>
        acceptInvitation(sc, { tokenHash, signedInUserId, fullName: input.fullName, password: input.password }),
      );
      const { uuid, ...tenant } = accepted.tenant;
      return { ...accepted, tenant: { id: uuid, ...tenant } };
    }),
});
