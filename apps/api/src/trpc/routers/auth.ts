import {
  PERMISSIONS,
  revokeSession,
  rotateRefreshToken,
  type SignInOutcome,
  signIn,
  switchTenant,
} from '@digame/core/auth';
import { ROLES } from '@digame/core/members';
import { FEATURES, TIER_NAMES } from '@digame/core/tenants';
import {
  changePassword,
  checkPasswordLink,
  getProfile,
  membershipsOf,
  PASSWORD_MAX_LENGTH,
  requestPasswordReset,
  setPasswordWithToken,
  updateProfile,
} from '@digame/core/users';
import { z } from 'zod';
import type { RequestContext } from '../context.js';
import { authedProcedure, publicProcedure, router } from '../trpc.js';
import { isoDateTime } from './admin-common.js';
import {
  anonymousActor,
  clearRefreshCookie,
  deliverSession,
  issuedSessionOutput,
  presentedRefreshToken,
  refreshTokenDelivery,
  sessionProcedure,
} from './identity-common.js';

const whoamiOutput = z.object({
  kind: z.enum(['session', 'api_key']),
  userId: z.string().nullable(),
  role: z.string().nullable(),
  permissions: z.array(z.enum(PERMISSIONS)),
  tenant: z.object({
    /** The tenant's public id, as every procedure and REST path takes it. */
    id: z.uuid(),
    slug: z.string(),
    name: z.string(),
    tier: z.enum(TIER_NAMES),
    features: z.array(z.enum(FEATURES)),
  }),
});

const email = z.email('must be an email address').max(255);
/** Checked against the password policy in core, which answers with a field message. */
const newPassword = z.string().max(PASSWORD_MAX_LENGTH * 4, 'is too long');

const signInOutput = z.discriminatedUnion('status', [
  issuedSessionOutput,
  z.object({
    status: z.enum(['mfa_required', 'mfa_enrolment_required']),
    /** Finish with mfa.verify (or mfa.beginRequiredEnrolment / confirmRequiredEnrolment). */
    mfaToken: z.string(),
    expiresAt: isoDateTime,
    tenant: z.object({ id: z.uuid(), slug: z.string(), name: z.string() }),
  }),
]);

function signInResult(ctx: RequestContext, outcome: SignInOutcome, delivery: 'cookie' | 'body') {
  return outcome.status === 'signed_in' ? deliverSession(ctx, outcome.session, delivery) : outcome;
}

const profileOutput = z.object({
  id: z.string(),
  email: z.string(),
  fullName: z.string(),
  mfaEnabled: z.boolean(),
  platformOperator: z.boolean(),
  lastSignInAt: isoDateTime.nullable(),
  passwordChangedAt: isoDateTime.nullable(),
});

const ok = z.object({ ok: z.literal(true) });

export const authRouter = router({
  /** Who the credential belongs to, in which tenant, with what permissions and features. */
  whoami: authedProcedure
    .input(z.void())
    .output(whoamiOutput)
    .query(({ ctx: { principal, tenant } }) => ({
      kind: principal.kind,
      userId: principal.userId,
      role: principal.role,
      permissions: [...principal.permissions].sort(),
      tenant: {
        id: tenant.uuid,
        slug: tenant.slug,
        name: tenant.name,
        tier: tenant.tier,
        features: FEATURES.filter((feature) => tenant.features[feature] === true),
      },
    })),

  /**
   * Email and password. Signs in to the organization named by its slug, else to the one used
   * last; may ask for a second factor first. Wrong email and wrong password answer alike.
   */
  signIn: publicProcedure
    .input(
      z.strictObject({
        email,
        password: z
          .string()
          .min(1, 'is required')
          .max(PASSWORD_MAX_LENGTH * 4),
        tenant: z.string().trim().min(1).max(100).optional().describe('Slug of the organization to sign in to'),
        refreshTokenDelivery,
      }),
    )
    .output(signInOutput)
    .mutation(async ({ ctx, input }) =>
      signInResult(
        ctx,
        await signIn(
          ctx.identity,
          { email: input.email, password: input.password, tenantSlug: input.tenant },
          anonymousActor(ctx),
        ),
        input.refreshTokenDelivery,
      ),
    ),

  /** A new access token (and a new refresh token: each works once) from the body's token or the cookie. */
  refresh: publicProcedure
    .input(z.strictObject({ refreshToken: z.string().max(200).optional() }).optional())
    .output(issuedSessionOutput)
    .mutation(async ({ ctx, input }) => {
      const presented = presentedRefreshToken(ctx, input?.refreshToken);
      const session = await rotateRefreshToken(ctx.identity, presented.token, anonymousActor(ctx));
      return deliverSession(ctx, session, presented.delivery);
    }),

  /** Ends the caller's session; its access and refresh tokens stop working at once. */
  signOut: sessionProcedure
    .input(z.void())
    .output(ok)
    .mutation(async ({ ctx }) => {
      await ctx.run((sc) => revokeSession(sc, ctx.session.sessionId, 'signed_out'));
      clearRefreshCookie(ctx);
      return { ok: true as const };
    }),

  /** The organizations the caller belongs to, for a tenant switcher. */
  memberships: sessionProcedure
    .input(z.void())
    .output(
      z.array(
        z.object({
          tenantId: z.uuid(),
          slug: z.string(),
          name: z.string(),
          role: z.enum(ROLES),
          suspended: z.boolean(),
          current: z.boolean(),
        }),
      ),
    )
    .query(async ({ ctx }) => {
      const memberships = await ctx.db.inGlobal((em) => membershipsOf(em, ctx.session.userId));
      return memberships
        .filter((membership) => membership.isActive)
        .map((membership) => ({
          tenantId: membership.tenantUuid,
          slug: membership.tenantSlug,
          name: membership.tenantName,
          role: membership.role,
          suspended: !membership.tenantActive,
          current: membership.tenantId === ctx.tenant.id,
        }));
    }),

  /** A session in another of the caller's organizations, for that membership's role. */
  switchTenant: sessionProcedure
    .input(z.strictObject({ tenantId: z.uuid('must be a tenant id (uuid)'), refreshTokenDelivery }))
    .output(issuedSessionOutput)
    .mutation(async ({ ctx, input }) =>
      deliverSession(
        ctx,
        await switchTenant(ctx.identity, { userId: ctx.session.userId, tenantUuid: input.tenantId }, ctx.actor),
        input.refreshTokenDelivery,
      ),
    ),

  /** Emails a reset link if the account exists; the answer is the same either way. */
  requestPasswordReset: publicProcedure
    .input(z.strictObject({ email }))
    .output(z.object({ ok: z.literal(true), message: z.string() }))
    .mutation(async ({ ctx, input }) => {
      await requestPasswordReset(ctx.identity, input.email, anonymousActor(ctx));
      return { ok: true as const, message: 'If an account uses that address, a reset link is on its way.' };
    }),

  /**
   * Whether a welcome or reset link still works, without using it, so the page can say "used or
   * expired" (and offer a new link) before anyone types a password.
   */
  passwordLink: publicProcedure
    .input(z.strictObject({ token: z.string().min(1).max(200) }))
    .output(z.object({ email: z.string(), purpose: z.enum(['welcome', 'reset']), expiresAt: isoDateTime }))
    .query(({ ctx, input }) => checkPasswordLink(ctx.identity, input.token)),

  /**
   * Sets a password from a welcome or reset link (single use, expiring). Does not sign in; every
   * existing session of the account ends.
   */
  setPassword: publicProcedure
    .input(z.strictObject({ token: z.string().min(1).max(200), password: newPassword }))
    .output(z.object({ ok: z.literal(true), email: z.string() }))
    .mutation(async ({ ctx, input }) => {
      const { email: accountEmail } = await setPasswordWithToken(ctx.identity, input, anonymousActor(ctx));
      return { ok: true as const, email: accountEmail };
    }),

  /** Needs the current password; the caller's other sessions, in every organization, end. */
  changePassword: sessionProcedure
    .input(
      z.strictObject({
        currentPassword: z
          .string()
          .min(1)
          .max(PASSWORD_MAX_LENGTH * 4),
        newPassword,
      }),
    )
    .output(ok)
    .mutation(async ({ ctx, input }) => {
      await changePassword(
        ctx.identity,
        {
          userId: ctx.session.userId,
          tenantId: ctx.tenant.id,
          sessionId: ctx.session.sessionId,
          currentPassword: input.currentPassword,
          newPassword: input.newPassword,
        },
        ctx.actor,
      );
      return { ok: true as const };
    }),

  profile: sessionProcedure
    .input(z.void())
    .output(profileOutput)
    .query(({ ctx }) => getProfile(ctx.identity, ctx.session.userId)),

  updateProfile: sessionProcedure
    .input(z.strictObject({ fullName: z.string().trim().min(1, 'is required').max(255) }))
    .output(profileOutput)
    .mutation(({ ctx, input }) =>
      updateProfile(ctx.identity, { userId: ctx.session.userId, fullName: input.fullName }),
    ),
});
