import type { Permission } from '@digame/core/auth';
import { DomainError } from '@digame/core/errors';
import type { TenantRunner } from '@digame/core/files';
import { tenantContext } from '@digame/core/services';
import type { TenantFacts } from '@digame/core/tenants';
import { TRPCError } from '@trpc/server';
import type { Context } from 'hono';
import { ZodError } from 'zod';
import type { Principal } from '../request/caller.js';
import { authenticateOrRefuse } from '../request/outage.js';
import type { ApiDeps } from '../trpc/context.js';
import { toTRPCError } from '../trpc/trpc.js';
import { errorResponse, type RestEnv, setRateLimitHeaders } from './rest-api.js';

/** Any failure as the REST mirror answers it: the domain error's status and fields, never internals. */
export function failure(c: Context<RestEnv>, error: unknown) {
  if (error instanceof DomainError) return errorResponse(c, toTRPCError(error));
  if (error instanceof ZodError) return errorResponse(c, new TRPCError({ code: 'BAD_REQUEST', cause: error }));
  return errorResponse(c, error);
}

export const missingPermission = (permission: Permission) =>
  new DomainError('FORBIDDEN', `Missing permission: ${permission}`, {
    details: { reason: 'missing_permission', permission },
  });

export interface TenantCaller {
  principal: Principal;
  tenant: TenantFacts;
  /** Runs a core service in the caller's tenant, in a unit of work of its own. */
  runner: TenantRunner;
}

/**
 * Authenticates a streaming route's request exactly like every other call (same credential
 * check, rate limit and count). The tenant comes only from the credential.
 */
export function tenantCallerOf(deps: ApiDeps): (c: Context<RestEnv>) => Promise<TenantCaller> {
  const authenticateDeps = { ...deps, redisPrefix: deps.config.REDIS_PREFIX };
  return async (c) => {
    const caller = await authenticateOrRefuse(authenticateDeps, {
      authorization: c.req.header('authorization') ?? null,
      ipAddress: c.get('ipAddress'),
      calls: 1,
    });
    setRateLimitHeaders(c, caller);
    if (caller.refusal) throw caller.refusal;
    const { principal, tenant } = caller;
    if (!principal || !tenant) throw new DomainError('UNAUTHORIZED', 'Sign in or present an API key');
    const actor = { userId: principal.userId, ipAddress: c.get('ipAddress'), userAgent: c.req.header('user-agent') };
    const runner: TenantRunner = (service) =>
      deps.db.inTenant(tenant.id, (em) => service(tenantContext(em, tenant.id, actor, deps.services)));
    return { principal, tenant, runner };
  };
}

/** The body's declared size, or null when Content-Length is missing or not a number. */
export function declaredLength(c: Context<RestEnv>): number | null {
  const length = c.req.header('content-length');
  return length !== undefined && /^\d+$/.test(length) ? Number(length) : null;
}

/** 411: a streamed body must declare its size, which is checked before a byte is stored. */
export function lengthRequired(c: Context<RestEnv>, what: string) {
  return c.json({ error: { code: 'LENGTH_REQUIRED', message: `Send the size of the ${what} as Content-Length` } }, 411);
}
