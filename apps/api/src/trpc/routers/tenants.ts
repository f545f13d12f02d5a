import { DomainError } from '@digame/core/errors';
import { tenantContext } from '@digame/core/services';
import {
  createTenant,
  getTenant,
  listTenants,
  reactivateTenant,
  readTenantView,
  suspendTenant,
  TIER_NAMES,
  tenantUpdateSchema,
  updateTenant,
} from '@digame/core/tenants';
import { z } from 'zod';
import { operatorProcedure, publicProcedure, router } from '../trpc.js';
import { addressedTenantProcedure, pageLimit, resolveTenant, tenantAddress } from './admin-common.js';
import { admitSignup } from './identity-common.js';
import { tenantOutput } from './tenant-schemas.js';

const operatorReason = z.string().trim().min(3, 'say why (at least 3 characters)').max(500);

export const tenantsRouter = router({
  /**
   * Creates an organization and its first admin (the brief's POST /api/tenants body, in camelCase).
   * Self-serve: anyone, a few per address per hour, unless SELF_SERVE_SIGNUP=closed, which leaves
   * it to platform operators. The admin gets a welcome email with a single-use set-password link.
   */
  create: publicProcedure
    .input(
      z.strictObject({
        name: z.string().trim().min(2, 'use at least 2 characters').max(255),
        adminEmail: z.email('must be an email address').max(255),
        adminName: z.string().trim().min(1, 'is required').max(255),
        subscriptionTier: z.enum(TIER_NAMES).default('basic'),
        domain: z
          .string()
          .trim()
          .toLowerCase()
          .max(255)
          .regex(/^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, 'must be a domain name')
          .optional(),
        slug: z
          .string()
          .trim()
          .toLowerCase()
          .regex(/^[a-z0-9](?:[a-z0-9-]{0,98}[a-z0-9])?$/, 'lower-case letters, digits and dashes')
          .optional(),
      }),
    )
    // The same answer whether or not the admin address has an account: the email tells its owner
    // (a set-password link, a sign-in link, or an invitation to accept).
    .output(z.object({ tenant: tenantOutput }))
    .mutation(async ({ ctx, input }) => {
      const actor = await admitSignup(ctx);
      const principal = ctx.caller.refusal ? null : ctx.caller.principal;
      const person = principal?.kind === 'session' ? principal : null;
      const created = await createTenant(
        ctx,
        {
          name: input.name,
          adminEmail: input.adminEmail,
          adminName: input.adminName,
          subscriptionTier: input.subscriptionTier,
          domain: input.domain ?? null,
          slug: input.slug,
          // Only a person's own session links their account; an API key acts for nobody's consent.
          linkExistingAccountOf: person
            ? { userId: person.userId, platformOperator: person.platformOperator }
            : undefined,
          // Self-serve is everyone but a platform operator, signed in or not: Enterprise, a chosen
          // slug and a claimed domain are arranged with an operator, as billing.changeTier says too.
          selfServe: !person?.platformOperator,
        },
        actor,
      );
      const tenant = await ctx.db.inTenant(created.tenant.id, (em) =>
        getTenant(tenantContext(em, created.tenant.id, actor, ctx.services)),
      );
      return { tenant };
    }),

  /** The caller's organization (operators: any, by id). */
  get: addressedTenantProcedure('tenant.read')
    .input(z.strictObject(tenantAddress).optional())
    .output(tenantOutput)
    .query(({ ctx }) => ctx.read(readTenantView, getTenant)),

  /** Name, contact, domain, regional `settings` and `branding` (branding needs custom_branding). */
  update: addressedTenantProcedure('tenant.update')
    .input(tenantUpdateSchema.extend(tenantAddress))
    .output(tenantOutput)
    .mutation(({ ctx, input: { tenantId: _address, ...changes } }) => ctx.run((sc) => updateTenant(sc, changes))),

  /** Operators: every tenant, searchable and filterable, newest first. */
  list: operatorProcedure
    .input(
      z.strictObject({
        search: z.string().trim().min(1).max(100).optional(),
        tier: z.enum(TIER_NAMES).optional(),
        trial: z.boolean().optional(),
        active: z.boolean().optional(),
        cursor: z.string().max(100).optional(),
        limit: pageLimit,
      }),
    )
    .output(z.object({ items: z.array(tenantOutput), nextCursor: z.string().nullable() }))
    .query(({ ctx, input }) => ctx.db.inGlobal((em) => listTenants(em, input))),

  /** Operators: members and API keys of a suspended tenant are refused; its data is kept. */
  suspend: operatorProcedure
    .input(z.strictObject({ tenantId: z.uuid(), reason: operatorReason }))
    .output(tenantOutput)
    .mutation(async ({ ctx, input }) => {
      const tenantId = await resolveTenant(ctx, input.tenantId);
      // Suspending the organization one is signed in to would end one's own access, and with it
      // the only way to reactivate it: refused, so some other operator has to do it on purpose.
      if (tenantId === ctx.tenant.id) {
        throw new DomainError('PRECONDITION_FAILED', 'You cannot suspend the organization you are signed in to', {
          details: { reason: 'own_organization' },
        });
      }
      return ctx.runAsOperator(tenantId, input.reason, (sc) => suspendTenant(sc, { reason: input.reason }));
    }),

  reactivate: operatorProcedure
    .input(z.strictObject({ tenantId: z.uuid(), reason: operatorReason }))
    .output(tenantOutput)
    .mutation(async ({ ctx, input }) =>
      ctx.runAsOperator(await resolveTenant(ctx, input.tenantId), input.reason, reactivateTenant),
    ),
});
