import type { IssuedSession } from '@digame/core/auth';
import type { Actor } from '@digame/core/db';
import { DomainError } from '@digame/core/errors';
import { ROLES } from '@digame/core/members';
import { z } from 'zod';
import { clearedRefreshCookie, readRefreshCookie, refreshCookie } from '../../request/refresh-cookie.js';
import type { RequestContext } from '../context.js';
import { tenantProcedure, toTRPCError } from '../trpc.js';
import { isoDateTime } from './admin-common.js';

/** A person's session (not an API key): account, MFA and session management act on a person. */
export const sessionProcedure = tenantProcedure.use(({ ctx, next }) => {
  const { principal } = ctx;
  if (principal.kind !== 'session') {
    throw toTRPCError(
      new DomainError('FORBIDDEN', 'Sign in as a person to do this; API keys cannot', {
        details: { reason: 'session_required' },
      }),
    );
  }
  return next({ ctx: { session: principal } });
});

/** The caller, for the audit trail of procedures that run before anyone is signed in. */
export function anonymousActor(ctx: RequestContext): Actor {
  return { userId: null, ipAddress: ctx.ipAddress, userAgent: ctx.userAgent };
}

/**
 * Where the refresh token goes: an httpOnly cookie for the browser (default), or the response
 * body for API clients that keep it themselves.
 */
export const refreshTokenDelivery = z
  .enum(['cookie', 'body'])
  .default('cookie')
  .describe('cookie: httpOnly SameSite=Strict cookie on /trpc (browsers); body: returned as refreshToken');

export const issuedSessionOutput = z.object({
  status: z.literal('signed_in'),
  accessToken: z.string(),
  accessTokenExpiresAt: isoDateTime,
  /** Only when delivered in the body; otherwise it is in the cookie. */
  refreshToken: z.string().nullable(),
  sessionId: z.string(),
  absoluteExpiresAt: isoDateTime,
  userId: z.string(),
  role: z.enum(ROLES),
  platformOperator: z.boolean(),
  /** `id` is the tenant's public uuid. */
  tenant: z.object({ id: z.uuid(), slug: z.string(), name: z.string() }),
});

/** Hands a session to the client, putting the refresh token where it was asked for. */
export function deliverSession(
  ctx: RequestContext,
  session: IssuedSession,
  delivery: 'cookie' | 'body',
): z.input<typeof issuedSessionOutput> {
  if (delivery === 'cookie') {
    ctx.responseHeaders.append(
      'Set-Cookie',
      refreshCookie(session.refreshToken, session.absoluteExpiresAt, ctx.config.APP_URL),
    );
  }
  return {
    status: 'signed_in',
    accessToken: session.accessToken,
    accessTokenExpiresAt: session.accessTokenExpiresAt,
    refreshToken: delivery === 'body' ? session.refreshToken : null,
    sessionId: session.sessionId,
    absoluteExpiresAt: session.absoluteExpiresAt,
    userId: session.userId,
    role: session.role,
    platformOperator: session.platformOperator,
    tenant: session.tenant,
  };
}

/**
 * The refresh token of this request and where its successor must go: a token from the body is
 * answered in the body; one from the cookie only ever in the cookie, so script on the page can
 * never read a refresh token out of a response.
 */
export function presentedRefreshToken(
  ctx: RequestContext,
  fromBody: string | undefined,
): { token: string; delivery: 'cookie' | 'body' } {
  if (fromBody) return { token: fromBody, delivery: 'body' };
  const fromCookie = readRefreshCookie(ctx.cookieHeader);
  if (fromCookie) return { token: fromCookie, delivery: 'cookie' };
  throw toTRPCError(new DomainError('UNAUTHORIZED', 'No refresh token: send it in the body or the cookie'));
}

export function clearRefreshCookie(ctx: RequestContext): void {
  ctx.responseHeaders.append('Set-Cookie', clearedRefreshCookie(ctx.config.APP_URL));
}

export const mfaCode = z
  .string()
  .trim()
  .min(6, 'enter the 6-digit code or a recovery code')
  .max(20, 'enter the 6-digit code or a recovery code');

/**
 * Who may create an organization: platform operators always; anyone else while self-serve
 * sign-up is open, a few per address per hour. Returns the actor for the audit trail.
 */
export async function admitSignup(ctx: RequestContext): Promise<Actor> {
  const { principal, refusal } = ctx.caller;
  const operator = principal?.platformOperator === true && !refusal;
  if (!operator) {
    if (ctx.config.SELF_SERVE_SIGNUP === 'closed') {
      throw new DomainError('FORBIDDEN', 'Self-serve sign-up is closed; a platform operator creates organizations', {
        details: { reason: 'self_serve_closed' },
      });
    }
    const wait = await ctx.identity.signups.admit(ctx.ipAddress);
    if (wait > 0) {
      throw new DomainError('TOO_MANY_REQUESTS', 'Too many organizations created from your address; try later', {
        retryAfterSeconds: wait,
        details: { reason: 'signup_rate_limited', retryAfterSeconds: wait },
      });
    }
  }
  return { userId: operator ? (principal?.userId ?? null) : null, ipAddress: ctx.ipAddress, userAgent: ctx.userAgent };
}
