import {
  beginMfaEnrolment,
  beginRequiredEnrolment,
  confirmMfaEnrolment,
  confirmRequiredEnrolment,
  disableMfa,
  issueSession,
  mfaStatus,
  regenerateRecoveryCodes,
  verifyMfaSignIn,
} from '@digame/core/auth';
import type { Actor } from '@digame/core/db';
import { DomainError } from '@digame/core/errors';
import type { TenantFacts } from '@digame/core/tenants';
import { User } from '@digame/core/users';
import { z } from 'zod';
import type { RequestContext } from '../context.js';
import { publicProcedure, router } from '../trpc.js';
import { isoDateTime } from './admin-common.js';
import {
  anonymousActor,
  deliverSession,
  issuedSessionOutput,
  mfaCode,
  refreshTokenDelivery,
  sessionProcedure,
} from './identity-common.js';

const enrolmentOutput = z.object({
  secret: z.string(),
  otpauthUri: z.string(),
  qrCodeDataUrl: z.string(),
});

const recoveryCodes = z.array(z.string()).describe('Shown once: each works once, instead of a code');
const mfaToken = z.string().min(1).max(2000);

/** A fresh session for the caller after an MFA change ended all of theirs. */
function reissue(ctx: {
  identity: RequestContext['identity'];
  tenant: TenantFacts;
  session: { userId: string };
  actor: Actor;
}) {
  return issueSession(ctx.identity, {
    tenant: ctx.tenant,
    userId: ctx.session.userId,
    actor: ctx.actor,
    method: 'mfa_change',
  });
}

export const mfaRouter = router({
  status: sessionProcedure
    .input(z.void())
    .output(
      z.object({
        enabled: z.boolean(),
        enabledAt: isoDateTime.nullable(),
        recoveryCodesLeft: z.number().int(),
        requiredByOrganization: z.boolean(),
      }),
    )
    .query(async ({ ctx }) => {
      const user = await ctx.db.inGlobal((em) => em.findOneOrFail(User, { id: ctx.session.userId }));
      return { ...mfaStatus(user), requiredByOrganization: ctx.tenant.mfaRequired };
    }),

  /** Sign-in step two: a 6-digit code (each usable once) or a recovery code. */
  verify: publicProcedure
    .input(z.strictObject({ mfaToken, code: mfaCode, refreshTokenDelivery }))
    .output(issuedSessionOutput)
    .mutation(async ({ ctx, input }) =>
      deliverSession(
        ctx,
        await verifyMfaSignIn(ctx.identity, { mfaToken: input.mfaToken, code: input.code }, anonymousActor(ctx)),
        input.refreshTokenDelivery,
      ),
    ),

  /** Enrolment step one for a signed-in user: a secret, its otpauth URI and a QR code. */
  beginEnrolment: sessionProcedure
    .input(z.void())
    .output(enrolmentOutput)
    .mutation(({ ctx }) => beginMfaEnrolment(ctx.identity, ctx.session.userId)),

  /**
   * Enrolment step two: a code from the app turns MFA on. Every session of the user ends; the
   * caller gets a fresh one, and ten recovery codes.
   */
  confirmEnrolment: sessionProcedure
    .input(z.strictObject({ code: mfaCode, refreshTokenDelivery }))
    .output(z.object({ recoveryCodes, session: issuedSessionOutput }))
    .mutation(async ({ ctx, input }) => {
      const result = await confirmMfaEnrolment(
        ctx.identity,
        { userId: ctx.session.userId, code: input.code },
        ctx.actor,
      );
      const session = await reissue(ctx);
      return { recoveryCodes: result.recoveryCodes, session: deliverSession(ctx, session, input.refreshTokenDelivery) };
    }),

  /** Enrolment demanded by the organization during sign-in (status mfa_enrolment_required): step one. */
  beginRequiredEnrolment: publicProcedure
    .input(z.strictObject({ mfaToken }))
    .output(enrolmentOutput)
    .mutation(({ ctx, input }) => beginRequiredEnrolment(ctx.identity, input.mfaToken)),

  /** Step two: a code turns MFA on and completes the sign-in. */
  confirmRequiredEnrolment: publicProcedure
    .input(z.strictObject({ mfaToken, code: mfaCode, refreshTokenDelivery }))
    .output(z.object({ recoveryCodes, session: issuedSessionOutput }))
    .mutation(async ({ ctx, input }) => {
      const result = await confirmRequiredEnrolment(
        ctx.identity,
        { mfaToken: input.mfaToken, code: input.code },
        anonymousActor(ctx),
      );
      return {
        recoveryCodes: result.recoveryCodes,
        session: deliverSession(ctx, result.session, input.refreshTokenDelivery),
      };
    }),

  /** Turns MFA off with the password and a code; refused where the organization requires MFA. */
  disable: sessionProcedure
    .input(z.strictObject({ password: z.string().min(1).max(1024), code: mfaCode, refreshTokenDelivery }))
    .output(z.object({ session: issuedSessionOutput }))
    .mutation(async ({ ctx, input }) => {
      if (ctx.tenant.mfaRequired) {
        throw new DomainError('PRECONDITION_FAILED', `${ctx.tenant.name} requires two-factor authentication`, {
          details: { reason: 'mfa_required' },
        });
      }
      await disableMfa(
        ctx.identity,
        { userId: ctx.session.userId, password: input.password, code: input.code },
        ctx.actor,
      );
      return { session: deliverSession(ctx, await reissue(ctx), input.refreshTokenDelivery) };
    }),

  /** New recovery codes (the old ones stop working); needs a current code. */
  regenerateRecoveryCodes: sessionProcedure
    .input(z.strictObject({ code: mfaCode }))
    .output(z.object({ recoveryCodes }))
    .mutation(({ ctx, input }) =>
      regenerateRecoveryCodes(
        ctx.identity,
        { userId: ctx.session.userId, tenantId: ctx.tenant.id, code: input.code },
        ctx.actor,
      ),
    ),
});
