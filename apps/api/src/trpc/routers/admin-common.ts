import { PERMISSIONS, type Permission } from '@digame/core/auth';
import type { Database } from '@digame/core/db';
import { DomainError } from '@digame/core/errors';
import { featureNotAvailable } from '@digame/core/features';
import { type TenantContext, tenantContext } from '@digame/core/services';
import { type Feature, type TenantFacts, tenantIdByUuid } from '@digame/core/tenants';
import { z } from 'zod';
import type { RequestContext } from '../context.js';
import { authedProcedure } from '../trpc.js';

/** Dates leave as ISO 8601 strings (no transformer on the wire), and are documented as such. */
export const isoDateTime = z
  .date()
  .transform((date) => date.toISOString())
  .pipe(z.iso.datetime());

export const pageLimit = z.number().int().min(1).max(100).default(25);

/** The optional tenant address of procedures mirrored as `/api/tenants/{id}/…`. */
export const tenantAddress = {
  tenantId: z
    .uuid('must be a tenant id (uuid)')
    .optional()
    .describe('Public id of the tenant; defaults to your own. Platform operators may address any tenant.'),
};

const tenantNotFound = () => new DomainError('NOT_FOUND', 'Tenant not found');

/** The numeric id of a tenant named by its public id, for operator procedures. */
export async function resolveTenant(ctx: RequestContext, uuid: string): Promise<number> {
  const tenantId = await ctx.db.inGlobal((em) => tenantIdByUuid(em, uuid));
  if (tenantId === null) throw tenantNotFound();
  return tenantId;
}

export interface AddressedScope {
  /** Facts of the tenant the call addresses. */
  target: TenantFacts;
  /** What the caller may grant: their own permissions, or all of them for an operator elsewhere. */
  actorPermissions: ReadonlySet<Permission>;
  run<T>(service: (sc: TenantContext) => Promise<T>): Promise<T>;
  /**
   * A read with a hot path: `own(db, tenantId)` for the caller's own tenant (a read unit, no ORM),
   * `service` for an operator elsewhere, in the audited unit of work that records the access.
   */
  read<T>(own: (db: Database, tenantId: number) => Promise<T>, service: (sc: TenantContext) => Promise<T>): Promise<T>;
}

/**
 * A procedure about one tenant, named by an optional `tenantId` in its input. Omitted or equal to
 * the caller's own, it is the caller's tenant with the given permission and feature required.
 * Any other id answers NOT_FOUND exactly like an unknown one — unless the caller is a platform
 * operator, who reaches that tenant through the audited operator path.
 */
export function addressedTenantProcedure(permission: Permission, feature?: Feature) {
  return authedProcedure.use(async ({ ctx, next, path, getRawInput }) => {
    const raw = await getRawInput();
    const requested = z.object(tenantAddress).safeParse(raw ?? {});
    const tenantId = requested.success ? requested.data.tenantId : undefined;
    const actor = { userId: ctx.principal.userId, ipAddress: ctx.ipAddress, userAgent: ctx.userAgent };

    if (tenantId === undefined || tenantId === ctx.tenant.uuid) {
      if (!ctx.principal.permissions.has(permission)) {
        throw new DomainError('FORBIDDEN', `Missing permission: ${permission}`, {
          details: { reason: 'missing_permission', permission },
        });
      }
      if (feature && ctx.tenant.features[feature] !== true) throw featureNotAvailable(feature);
      const own = ctx.tenant.id;
      const scope: AddressedScope = {
        target: ctx.tenant,
        actorPermissions: ctx.principal.permissions,
        run: (service) => ctx.db.inTenant(own, (em) => service(tenantContext(em, own, actor, ctx.services))),
        read: (hot) => hot(ctx.db, own),
      };
      return next({ ctx: scope });
    }

    if (!ctx.principal.platformOperator) throw tenantNotFound();
    const targetId = await resolveTenant(ctx, tenantId);
    const target = await ctx.tenants.get(targetId);
    if (!target) throw tenantNotFound();
    if (feature && target.features[feature] !== true) throw featureNotAvailable(feature);
    const run: AddressedScope['run'] = (service) =>
      ctx.db.asPlatformOperator(actor, targetId, `operator call: ${path}`, (em) =>
        service(tenantContext(em, targetId, actor, ctx.services)),
      );
    const scope: AddressedScope = {
      target,
      actorPermissions: new Set(PERMISSIONS),
      run,
      read: (_hot, service) => run(service),
    };
    return next({ ctx: scope });
  });
}
