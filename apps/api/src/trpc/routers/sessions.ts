import { assertMayManageSessionsOf, endMemberSessions, listMemberSessions, revokeSession } from '@digame/core/auth';
import { DomainError } from '@digame/core/errors';
import { z } from 'zod';
import { router } from '../trpc.js';
import { isoDateTime } from './admin-common.js';
import { clearRefreshCookie, sessionProcedure } from './identity-common.js';

const sessionOutput = z.object({
  id: z.string(),
  createdAt: isoDateTime,
  lastUsedAt: isoDateTime,
  absoluteExpiresAt: isoDateTime,
  ipAddress: z.string().nullable(),
  userAgent: z.string().nullable(),
  current: z.boolean(),
});

const memberAddress = z
  .uuid('must be a user id')
  .optional()
  .describe("Another member's user id (needs users.manage); defaults to yourself");

/** Acting on another member's sessions needs users.manage. */
function assertMayManage(
  ctx: { session: { userId: string }; principal: { permissions: ReadonlySet<string> } },
  userId: string,
) {
  if (userId !== ctx.session.userId && !ctx.principal.permissions.has('users.manage')) {
    throw new DomainError('FORBIDDEN', 'Missing permission: users.manage', {
      details: { reason: 'missing_permission', permission: 'users.manage' },
    });
  }
}

export const sessionsRouter = router({
  /** Live sessions in this organization: your own, or with users.manage those of a member you outrank. */
  list: sessionProcedure
    .input(z.strictObject({ userId: memberAddress }).optional())
    .output(z.array(sessionOutput))
    .query(async ({ ctx, input }) => {
      const userId = input?.userId ?? ctx.session.userId;
      assertMayManage(ctx, userId);
      const sessions = await ctx.run(async (sc) => {
        if (userId !== ctx.session.userId) await assertMayManageSessionsOf(sc, userId, ctx.principal.permissions);
        return listMemberSessions(sc, userId);
      });
      return sessions.map((session) => ({ ...session, current: session.id === ctx.session.sessionId }));
    }),

  /** Ends one session at once. Your own, or any member's with users.manage; others' ids are NOT_FOUND. */
  revoke: sessionProcedure
    .input(z.strictObject({ sessionId: z.uuid('must be a session id') }))
    .output(z.object({ ok: z.literal(true) }))
    .mutation(async ({ ctx, input }) => {
      const mayManage = ctx.principal.permissions.has('users.manage');
      const ended = await ctx.run((sc) =>
        revokeSession(
          sc,
          input.sessionId,
          'revoked',
          mayManage ? { managedWith: ctx.principal.permissions } : { ownedBy: ctx.session.userId },
        ),
      );
      if (!ended) throw new DomainError('NOT_FOUND', 'No such session');
      if (input.sessionId === ctx.session.sessionId) clearRefreshCookie(ctx);
      return { ok: true as const };
    }),

  /** Ends every other session of yours here (or all of a member's, with users.manage). */
  revokeAll: sessionProcedure
    .input(z.strictObject({ userId: memberAddress }).optional())
    .output(z.object({ revoked: z.number().int() }))
    .mutation(async ({ ctx, input }) => {
      const userId = input?.userId ?? ctx.session.userId;
      assertMayManage(ctx, userId);
      const exceptSessionId = userId === ctx.session.userId ? ctx.session.sessionId : undefined;
      const revoked = await ctx.run(async (sc) => {
        if (userId !== ctx.session.userId) await assertMayManageSessionsOf(sc, userId, ctx.principal.permissions);
        return endMemberSessions(sc, userId, 'revoked', { exceptSessionId });
      });
      return { revoked };
    }),
});
