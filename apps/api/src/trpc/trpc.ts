import type { Permission } from '@digame/core/auth';
import type { Actor, UnitOfWork } from '@digame/core/db';
import { DomainError, type DomainErrorCode, outageError } from '@digame/core/errors';
import { offboardingRefusal } from '@digame/core/offboarding';
import { type TenantContext, tenantContext } from '@digame/core/services';
import { cheapestTierWith, FEATURE_LABELS, type Feature, type TenantFacts } from '@digame/core/tenants';
import { initTRPC, TRPCError } from '@trpc/server';
import { ZodError } from 'zod';
import type { Principal } from '../request/caller.js';
import type { RequestContext } from './context.js';

// ── init ────────────────────────────────────────────────────────────────────────────────────────
const t = initTRPC.context<RequestContext>().create({
  // Never send stacks, whatever NODE_ENV says.
  isDev: false,
  errorFormatter({ shape, error }) {
    const cause = error.cause;
    const internal = error.code === 'INTERNAL_SERVER_ERROR';
    return {
      ...shape,
      // An unexpected error's message may hold SQL or internals: clients get a generic one; invalid
      // input gets one readable line instead of the validator's JSON (the fields carry the detail).
      message: internal ? 'Internal server error' : cause instanceof ZodError ? inputSummary(cause) : shape.message,
      data: {
        code: shape.data.code,
        httpStatus: shape.data.httpStatus,
        path: shape.data.path,
        fields:
          cause instanceof ZodError ? fieldMessages(cause) : cause instanceof DomainError ? cause.fields : undefined,
        details: cause instanceof DomainError ? cause.details : undefined,
      },
    };
  },
  sse: {
    ping: { enabled: true, intervalMs: 15_000 },
    client: { reconnectAfterInactivityMs: 30_000 },
  },
});

/** One readable line for invalid input; the per-field messages carry the rest. */
export function inputSummary(error: ZodError): string {
  const [first, ...rest] = Object.entries(fieldMessages(error));
  if (!first) return 'Invalid input';
  const more = rest.length ? ` (and ${rest.length} more field${rest.length > 1 ? 's' : ''})` : '';
  return `Invalid input: ${first[0]} ${first[1]}${more}`;
}

export function fieldMessages(error: ZodError): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const issue of error.issues) {
    const path = issue.path.join('.') || '(input)';
    fields[path] ??= issue.message;
  }
  return fields;
}

const TRPC_CODES: Record<DomainErrorCode, TRPCError['code']> = {
  BAD_REQUEST: 'BAD_REQUEST',
  UNAUTHORIZED: 'UNAUTHORIZED',
  FORBIDDEN: 'FORBIDDEN',
  NOT_FOUND: 'NOT_FOUND',
  CONFLICT: 'CONFLICT',
  PRECONDITION_FAILED: 'PRECONDITION_FAILED',
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  TOO_MANY_REQUESTS: 'TOO_MANY_REQUESTS',
  SERVICE_UNAVAILABLE: 'SERVICE_UNAVAILABLE',
};

export function toTRPCError(error: DomainError): TRPCError {
  return new TRPCError({ code: TRPC_CODES[error.code], message: error.message, cause: error });
}

/**
 * The one place a DomainError becomes a tRPC error; procedures never catch. The one place a
 * procedure's units of work are chosen read-only: a query only reads, so every unit it opens
 * through ctx.db is READ ONLY (PostgreSQL refuses a write in it); an operator's audited access to
 * another tenant still writes its entry (Database.asPlatformOperator). And the one place input
 * holding U+0000 is refused, before anything parses it: PostgreSQL cannot store the character in
 * text, and a statement carrying one breaks the wire protocol (08P01, which would read as a lost
 * database); no procedure takes one. One middleware for the three: each layer costs every call.
 */
const domainErrors = t.middleware(async ({ ctx, next, path, type, getRawInput }) => {
  const nul = nulCharacterPath(await getRawInput());
  if (nul !== null) throw toTRPCError(nulCharacterRefusal(nul));
  const result = await (type === 'query' ? next({ ctx: { db: ctx.db.readOnly() } }) : next());
  if (!result.ok) {
    const cause = outageError(result.error.cause) ?? result.error.cause;
    if (cause instanceof DomainError) {
      // Throttled refusals (sign-in lock-out, sign-up limit) and outages tell the client when to retry.
      if (cause.retryAfterSeconds) ctx.responseHeaders.set('Retry-After', String(cause.retryAfterSeconds));
      throw toTRPCError(cause);
    }
    if (result.error.code === 'INTERNAL_SERVER_ERROR') {
      ctx.logger.error({ err: cause ?? result.error, path, requestId: ctx.requestId }, 'procedure failed');
    }
  }
  return result;
});

// ── procedures ──────────────────────────────────────────────────────────────────────────────────
export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

/**
 * The path of the first string in `value` holding U+0000 ('' for the input itself), or null. A loop
 * over an explicit stack, not recursion: raw input may be nested tens of thousands deep (zod refuses
 * it afterwards), which would overflow the call stack.
 */
function nulCharacterPath(value: unknown): string | null {
  // Each entry keeps its parent, and the dotted path is spelled out for the one string found only.
  type Node = { value: unknown; key: string; parent: Node | null };
  const pending: Node[] = [{ value, key: '', parent: null }];
  for (let node = pending.pop(); node; node = pending.pop()) {
    const current = node.value;
    if (typeof current === 'string') {
      if (!current.includes('\u0000')) continue;
      const keys: string[] = [];
      for (let at: Node | null = node; at?.parent; at = at.parent) keys.unshift(at.key);
      return keys.join('.');
    }
    if (current && typeof current === 'object') {
      for (const [key, child] of Object.entries(current)) pending.push({ value: child, key, parent: node });
    }
  }
  return null;
}

function nulCharacterRefusal(path: string): DomainError {
  const field = path || '(input)';
  return new DomainError('BAD_REQUEST', `Invalid input: ${field} must not contain the NUL character`, {
    fields: { [field]: 'must not contain the NUL character' },
  });
}

/** Anyone; a presented but invalid credential is ignored here (public procedures need none). */
export const publicProcedure = t.procedure.use(domainErrors);

/**
 * The changes an organization scheduled for deletion still accepts: calling the deletion off,
 * exporting its data and downloading the archives, a person's own data rights (their export, their
 * erasure), and a person's own security (signing out,
 * switching organization, ending sessions, revoking a key, changing one's password). Every other
 * mutation is refused with the deletion date until the deletion is cancelled.
 */
export const OFFBOARDING_WRITABLE: ReadonlySet<string> = new Set([
  'offboarding.cancel',
  'data.requestExport',
  'data.requestPersonalExport',
  'data.downloadLink',
  'data.eraseMe',
  'auth.signOut',
  'auth.switchTenant',
  'auth.changePassword',
  'sessions.revoke',
  'sessions.revokeAll',
  'apiKeys.revoke',
]);

/** A verified, live credential (session or API key) within its rate limit. */
export const authedProcedure = publicProcedure.use(({ ctx, next, type, path }) => {
  const { principal, tenant, refusal } = ctx.caller;
  if (refusal) throw toTRPCError(refusal);
  if (!principal || !tenant) throw toTRPCError(new DomainError('UNAUTHORIZED', 'Sign in or present an API key'));
  if (type === 'mutation' && !OFFBOARDING_WRITABLE.has(path)) {
    const readOnly = offboardingRefusal(tenant);
    if (readOnly) throw toTRPCError(readOnly);
  }
  return next({ ctx: { principal, tenant } });
});

export interface TenantScope {
  principal: Principal;
  tenant: TenantFacts;
  /** For audit entries: who acted, from where. */
  actor: Actor;
  /** Opens a unit of work in the caller's tenant — the only tenant a procedure can reach. */
  inTenant<T>(work: UnitOfWork<T>): Promise<T>;
  /** Runs a core service in a unit of work of the caller's tenant. */
  run<T>(service: (sc: TenantContext) => Promise<T>): Promise<T>;
}

/** The caller's tenant, taken from the verified credential only, never from input. */
export const tenantProcedure = authedProcedure.use(({ ctx, next }) => {
  const scope: TenantScope = {
    principal: ctx.principal,
    tenant: ctx.tenant,
    actor: { userId: ctx.principal.userId, ipAddress: ctx.ipAddress, userAgent: ctx.userAgent },
    inTenant: (work) => ctx.db.inTenant(ctx.tenant.id, work),
    run: (service) =>
      ctx.db.inTenant(ctx.tenant.id, (em) => service(tenantContext(em, ctx.tenant.id, scope.actor, ctx.services))),
  };
  return next({ ctx: scope });
});

/**
 * Platform operators only. They reach other tenants solely through Database.asPlatformOperator,
 * which writes an audit entry in the tenant they enter.
 */
export const operatorProcedure = authedProcedure.use(({ ctx, next }) => {
  if (!ctx.principal.platformOperator) {
    throw toTRPCError(
      new DomainError('FORBIDDEN', 'Only platform operators may do this', { details: { reason: 'not_an_operator' } }),
    );
  }
  const actor: Actor = { userId: ctx.principal.userId, ipAddress: ctx.ipAddress, userAgent: ctx.userAgent };
  return next({
    ctx: {
      actor,
      /** Runs a core service inside another tenant, audited as `platform.tenant_accessed` with the reason. */
      runAsOperator: <T>(tenantId: number, reason: string, service: (sc: TenantContext) => Promise<T>): Promise<T> =>
        ctx.db.asPlatformOperator(actor, tenantId, reason, (em) =>
          service(tenantContext(em, tenantId, actor, ctx.services)),
        ),
    },
  });
});

/** Requires a permission of the caller's role (with overrides) or of the API key's scopes. */
export function can(permission: Permission) {
  return tenantProcedure.use(({ ctx, next }) => {
    if (!ctx.principal.permissions.has(permission)) {
      throw toTRPCError(
        new DomainError('FORBIDDEN', `Missing permission: ${permission}`, {
          details: { reason: 'missing_permission', permission },
        }),
      );
    }
    return next();
  });
}

/** Requires a feature of the tenant's subscription; the refusal names the cheapest tier that has it. */
export function requireFeature<P extends typeof tenantProcedure>(procedure: P, feature: Feature): P {
  return procedure.use(({ ctx, next }) => {
    if (ctx.tenant.features[feature] !== true) {
      const requiredTier = cheapestTierWith(feature);
      throw toTRPCError(
        new DomainError('FORBIDDEN', 'Feature not available in your subscription', {
          details: { reason: 'feature_not_available', feature, featureLabel: FEATURE_LABELS[feature], requiredTier },
        }),
      );
    }
    return next();
  }) as P;
}
