import { Readable } from 'node:stream';
import { DomainError } from '@digame/core/errors';
import { MAX_RESTORE_ARCHIVE_BYTES, stageRestore } from '@digame/core/restore';
import { Hono } from 'hono';
import type { ApiDeps } from '../trpc/context.js';
import type { RestEnv } from './rest-api.js';
import { declaredLength, failure, lengthRequired, tenantCallerOf } from './tenant-caller.js';

/**
 * POST /api/restores with an export archive (.tar.gz) as the raw body: platform operators only,
 * because a restore creates an organization with whatever tier, limits, feature overrides, prices
 * and members the archive names — what only operators may set — and links existing accounts by
 * email. The archive is stored and verified in full before the answer: 202 with the restore's id
 * (follow it with `restores.get`), or 400 naming what is damaged, truncated or of another version.
 */
export function createRestoreRoutes(deps: ApiDeps): Hono<RestEnv> {
  const api = new Hono<RestEnv>();
  const tenantCaller = tenantCallerOf(deps);

  api.post('/restores', async (c) => {
    try {
      const { principal } = await tenantCaller(c);
      if (!principal.platformOperator || !principal.userId) {
        throw new DomainError('FORBIDDEN', 'Only platform operators may restore an organization', {
          details: { reason: 'not_an_operator' },
        });
      }
      const sizeBytes = declaredLength(c);
      if (sizeBytes === null) return lengthRequired(c, 'archive');
      if (sizeBytes > MAX_RESTORE_ARCHIVE_BYTES) {
        throw new DomainError('PAYLOAD_TOO_LARGE', `An archive may hold at most ${MAX_RESTORE_ARCHIVE_BYTES} bytes`, {
          details: { reason: 'archive_too_large', maxBytes: MAX_RESTORE_ARCHIVE_BYTES },
        });
      }
      const body = c.req.raw.body ? Readable.fromWeb(c.req.raw.body as never) : Readable.from([]);
      const { restoreId } = await stageRestore(deps, {
        body,
        sizeBytes,
        actor: { userId: principal.userId, ipAddress: c.get('ipAddress') ?? null },
      });
      return c.json({ restoreId, state: 'queued' }, 202);
    } catch (error) {
      return failure(c, error);
    }
  });

  return api;
}
