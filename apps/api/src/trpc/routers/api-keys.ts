import { createApiKey, listApiKeys, PERMISSIONS, revokeApiKey } from '@digame/core/auth';
import { z } from 'zod';
import { can, requireFeature, router } from '../trpc.js';
import { isoDateTime } from './admin-common.js';

const apiKeyOutput = z.object({
  id: z.string(),
  name: z.string(),
  prefix: z.string(),
  scopes: z.array(z.enum(PERMISSIONS)),
  createdAt: isoDateTime,
  createdByUserId: z.string().nullable(),
  expiresAt: isoDateTime.nullable(),
  revokedAt: isoDateTime.nullable(),
  lastUsedAt: isoDateTime.nullable(),
  lastUsedIp: z.string().nullable(),
});

const manage = can('apikeys.manage');

export const apiKeysRouter = router({
  /**
   * A key for this organization with scopes no wider than your own permissions. The key is in
   * the answer once and never again; send it as `Authorization: Bearer <key>`.
   */
  create: requireFeature(manage, 'api_access')
    .input(
      z.strictObject({
        name: z.string().trim().min(1, 'is required').max(100),
        scopes: z.array(z.enum(PERMISSIONS)).min(1, 'give the key at least one permission'),
        expiresAt: z.iso
          .datetime({ offset: true })
          .optional()
          .describe('ISO 8601; omit for a key that does not expire'),
      }),
    )
    .output(z.object({ key: z.string(), apiKey: apiKeyOutput }))
    .mutation(({ ctx, input }) =>
      ctx.run((sc) =>
        createApiKey(sc, {
          name: input.name,
          scopes: input.scopes,
          expiresAt: input.expiresAt ? new Date(input.expiresAt) : null,
          creatorPermissions: ctx.principal.permissions,
        }),
      ),
    ),

  /** Every key of this organization, revoked ones included, with when and from where each was last used. */
  list: manage
    .input(z.void())
    .output(z.array(apiKeyOutput))
    .query(({ ctx }) => ctx.run((sc) => listApiKeys(sc, ctx.identity.apiKeyUsage))),

  /** Revokes a key; its next request is refused. */
  revoke: manage
    .input(z.strictObject({ id: z.uuid('must be an API key id') }))
    .output(apiKeyOutput)
    .mutation(({ ctx, input }) => ctx.run((sc) => revokeApiKey(sc, input.id))),
});
