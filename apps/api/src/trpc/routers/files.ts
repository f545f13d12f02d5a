import { deleteFile, FILE_PURPOSES, getFile, listFiles, storageQuota } from '@digame/core/files';
import { z } from 'zod';
import { can, router } from '../trpc.js';
import { isoDateTime, pageLimit } from './admin-common.js';

const fileOutput = z.object({
  id: z.uuid(),
  name: z.string(),
  contentType: z.string(),
  sizeBytes: z.number().int(),
  purpose: z.enum(FILE_PURPOSES),
  sha256: z.string().nullable(),
  uploadedByUserId: z.string().nullable(),
  uploadedByEmail: z.string().nullable(),
  createdAt: isoDateTime,
  storedAt: isoDateTime.nullable(),
});

const fileAddress = z.strictObject({ id: z.uuid('must be a file id') });

/**
 * Metadata of the tenant's files. The bytes travel over plain HTTP beside tRPC:
 * `POST /api/files?name=…` (raw body, Content-Length required) and `GET /api/files/{id}/content`.
 */
export const filesRouter = router({
  list: can('files.read')
    .input(
      z
        .strictObject({
          purpose: z.enum(FILE_PURPOSES).optional(),
          cursor: z.uuid('must be a cursor from a previous page').optional(),
          limit: pageLimit,
        })
        .default({ limit: 25 }),
    )
    .output(z.object({ items: z.array(fileOutput), nextCursor: z.string().nullable() }))
    .query(({ ctx, input }) => ctx.run((sc) => listFiles(sc, input))),

  get: can('files.read')
    .input(fileAddress)
    .output(fileOutput)
    .query(({ ctx, input }) => ctx.run((sc) => getFile(sc, input.id))),

  /** Removes the file at once from listings and usage; its bytes are purged by a job. */
  delete: can('files.manage')
    .input(fileAddress)
    .output(z.object({ deleted: z.literal(true) }))
    .mutation(async ({ ctx, input }) => {
      await ctx.run((sc) => deleteFile(sc, input.id));
      return { deleted: true as const };
    }),

  /** Bytes used and available against the tier's storage quota, live. */
  quota: can('files.read')
    .output(
      z.object({
        limitBytes: z.number().int(),
        databaseBytes: z.number().int(),
        fileBytes: z.number().int(),
        reservedBytes: z.number().int(),
        usedBytes: z.number().int(),
        availableBytes: z.number().int(),
      }),
    )
    .query(({ ctx }) => ctx.run((sc) => storageQuota(sc))),
});
