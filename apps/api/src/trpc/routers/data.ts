import {
  DOWNLOAD_LINK_TTL_SECONDS,
  EXPORT_SCOPES,
  EXPORT_STATUSES,
  eraseMe,
  eraseMeInput,
  eraseMember,
  eraseMemberInput,
  exportForDownload,
  exportListInput,
  listPersonalExports,
  listTenantExports,
  requestPersonalExport,
  requestTenantExport,
  signDownloadToken,
} from '@digame/core/data-rights';
import { DomainError } from '@digame/core/errors';
import { z } from 'zod';
import { can, router, tenantProcedure } from '../trpc.js';
import { isoDateTime } from './admin-common.js';

const exportOutput = z.object({
  id: z.uuid(),
  scope: z.enum(EXPORT_SCOPES),
  status: z.enum(EXPORT_STATUSES),
  progress: z.number().min(0).max(1),
  sizeBytes: z.number().int().nullable(),
  sha256: z.string().nullable(),
  fileName: z.string().nullable(),
  subjectUserId: z.string().nullable(),
  requestedByUserId: z.string().nullable(),
  requestedAt: isoDateTime,
  readyAt: isoDateTime.nullable(),
  expiresAt: isoDateTime.nullable(),
  error: z.string().nullable(),
});

const listInput = exportListInput.default({ limit: 20 });

const erasureOutput = z.object({
  erasureId: z.uuid(),
  /** The erased person's user id, by which the audit trail and other records still refer to them. */
  pseudonym: z.uuid(),
  erasedAt: isoDateTime,
  summary: z.record(z.string(), z.number()),
});

/**
 * GDPR data rights: tenant and personal export archives (built by the worker, progress live on
 * `data.export.progress` / `data.personal_export.progress`), their short-lived download links,
 * and erasure of a member's personal data.
 */
export const dataRouter = router({
  /** Queues a full export of the organization. */
  requestExport: can('data.export')
    .output(exportOutput)
    .mutation(({ ctx }) => ctx.run(requestTenantExport)),

  /** The organization's exports, newest first. */
  exports: can('data.export')
    .input(listInput)
    .output(z.array(exportOutput))
    .query(({ ctx, input }) => ctx.run((sc) => listTenantExports(sc, input.limit))),

  /** Queues an export of the caller's own personal data in this organization. */
  requestPersonalExport: tenantProcedure.output(exportOutput).mutation(({ ctx }) => ctx.run(requestPersonalExport)),

  /** The caller's own personal exports, newest first. */
  myExports: tenantProcedure
    .input(listInput)
    .output(z.array(exportOutput))
    .query(({ ctx, input }) => ctx.run((sc) => listPersonalExports(sc, input.limit))),

  /** A download address for a ready archive, valid for 15 minutes, for this member only. */
  downloadLink: tenantProcedure
    .input(z.strictObject({ exportId: z.uuid('must be an export id') }))
    .output(z.object({ url: z.string().url(), expiresAt: isoDateTime }))
    .mutation(async ({ ctx, input }) => {
      const { userId, permissions } = ctx.principal;
      if (!userId) {
        throw new DomainError('FORBIDDEN', 'Download links are for signed-in members', {
          details: { reason: 'member_required' },
        });
      }
      const archive = await ctx.run((sc) => exportForDownload(sc, { userId, permissions }, input.exportId));
      const expiresAt = new Date(Date.now() + DOWNLOAD_LINK_TTL_SECONDS * 1000);
      const token = signDownloadToken(ctx.config.JWT_SECRET, {
        tenantId: ctx.tenant.id,
        exportId: archive.id,
        userId,
        expiresAtMs: expiresAt.getTime(),
      });
      const url = new URL(`/api/data/exports/${archive.id}/archive`, ctx.config.APP_URL);
      url.searchParams.set('token', token);
      return { url: url.toString(), expiresAt };
    }),

  /**
   * Erases a member's personal data from the organization, confirmed by typing their email; the
   * last active admin cannot be erased. Needs users.manage, and never reaches someone with more
   * permissions than the caller.
   */
  eraseMember: can('users.manage')
    .input(eraseMemberInput)
    .output(erasureOutput)
    .mutation(({ ctx, input }) =>
      ctx.run((sc) => eraseMember(sc, { ...input, actorPermissions: ctx.principal.permissions })),
    ),

  /** Erases the caller's own personal data from this organization (they leave it). */
  eraseMe: tenantProcedure
    .input(eraseMeInput)
    .output(erasureOutput)
    .mutation(({ ctx, input }) => ctx.run((sc) => eraseMe(sc, input))),
});
