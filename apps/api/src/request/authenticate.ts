import {
  type AccessTokens,
  type ApiKeyUsage,
  apiKeyKey,
  hashSecret,
  InvalidTokenError,
  isApiKeyToken,
  parseApiKey,
  secretMatches,
  sessionKey,
  tenantStandingProblem,
  unprovenCredential,
} from '@digame/core/auth';
import { DomainError } from '@digame/core/errors';
import type { RequestGate } from '@digame/core/request';
import { cheapestTierWith, FEATURE_LABELS, type TenantDirectory } from '@digame/core/tenants';
import type { LiveApiCalls } from '@digame/core/usage';
import { ANONYMOUS, type Caller, type Principal } from './caller.js';

export interface AuthenticateDeps {
  tokens: AccessTokens;
  gate: RequestGate;
  tenants: TenantDirectory;
  redisPrefix: string;
  identity: { apiKeyUsage: ApiKeyUsage };
  /** Told every count the gate returns, for live usage on dashboards (no I/O of its own here). */
  liveApiCalls?: Pick<LiveApiCalls, 'counted'>;
}

export interface AuthenticateInput {
  authorization: string | null;
  ipAddress: string | null;
  /** Procedure calls in this request (a tRPC batch of N counts N). */
  calls: number;
  /** The tRPC procedures the request calls, when known (a batch names several). */
  procedures?: readonly string[];
}

/**
 * What a signed-in person must still be able to do once the tenant's hourly budget is spent (by its
 * own scripts, say): list and end sessions, find and revoke the runaway key, sign out. A session calling only these is served whatever the budget, and the calls are not counted;
 * API keys get no such pass.
 */
export const SECURITY_PROCEDURES: ReadonlySet<string> = new Set([
  'auth.signOut',
  'sessions.list',
  'sessions.revoke',
  'sessions.revokeAll',
  'apiKeys.list',
  'apiKeys.revoke',
]);

const onlySecurityProcedures = (procedures: readonly string[] | undefined) =>
  procedures !== undefined && procedures.length > 0 && procedures.every((name) => SECURITY_PROCEDURES.has(name));

const refuse = (refusal: DomainError): Caller => ({ ...ANONYMOUS, refusal });

/** See unprovenCredential in core: one answer whatever the credential names. */
const unproven = (): Caller => refuse(unprovenCredential());

type Presented =
  | { kind: 'api_key'; tenantUuid: string; credentialKey: string; secret: string; secretHash: string }
  | { kind: 'session'; tenantUuid: string; credentialKey: string; userId: string; sessionId: string };

/**
 * Establishes the caller: check the credential's form and signature (CPU only), read tenant facts
 * (process cache), then one Redis round trip that proves the session or key against its record
 * and, only once proven, counts the calls against the tenant's hourly limit. The tenant's standing
 * (suspension, IP allowlist) is told only to a proven credential, and a request it refuses is not
 * counted.
 */
export async function authenticate(deps: AuthenticateDeps, input: AuthenticateInput): Promise<Caller> {
  const token = bearerToken(input.authorization);
  if (token === undefined) return ANONYMOUS;
  if (token === null) {
    return refuse(new DomainError('UNAUTHORIZED', 'Authorization header must be "Bearer <token>"'));
  }
  const presented = await presentedCredential(deps, token);
  if (!presented) return unproven();

  const tenant = await deps.tenants.getByUuid(presented.tenantUuid);
  if (!tenant) return unproven();
  const refusal =
    tenantStandingProblem(tenant, input.ipAddress) ??
    (presented.kind === 'api_key' && tenant.features.api_access !== true ? apiAccessRefusal() : null);

  const result = await deps.gate.pass({
    credentialKey: presented.credentialKey,
    credential:
      presented.kind === 'api_key'
        ? { kind: 'api_key', secretHash: presented.secretHash }
        : { kind: 'session', userId: presented.userId },
    tenantId: tenant.id,
    calls: refusal || (presented.kind === 'session' && onlySecurityProcedures(input.procedures)) ? 0 : input.calls,
    hourlyLimit: tenant.apiRateLimit,
    idleTimeoutMs: presented.kind === 'session' && !refusal ? tenant.sessionIdleMinutes * 60_000 : 0,
  });
  if (result.status === 'unknown_credential' || result.status === 'expired') return unproven();

  const record = result.credential;
  let principal: Principal;
  if (record.kind === 'session' && presented.kind === 'session') {
    principal = {
      kind: 'session',
      userId: record.userId,
      tenantId: tenant.id,
      sessionId: presented.sessionId,
      role: record.role,
      permissions: new Set(record.permissions),
      platformOperator: record.platformOperator === true,
    };
  } else if (record.kind === 'api_key' && presented.kind === 'api_key') {
    if (!secretMatches(presented.secret, record.secretHash)) return unproven();
    principal = {
      kind: 'api_key',
      keyId: record.keyId,
      userId: record.createdByUserId,
      tenantId: tenant.id,
      role: null,
      permissions: new Set(record.scopes),
      platformOperator: false,
    };
  } else {
    return unproven();
  }
  // Proven from here on: the caller may learn about its own tenant.
  if (refusal) return { ...refuse(refusal), tenant };
  if (principal.kind === 'api_key') deps.identity.apiKeyUsage.record(tenant.id, principal.keyId, input.ipAddress);

  deps.liveApiCalls?.counted(tenant.id, result.used, result.resetAtMs);
  const rateLimit = {
    limit: result.limit,
    remaining: Math.max(0, result.limit - result.used),
    resetAtMs: result.resetAtMs,
    limited: result.status === 'limited',
  };
  if (rateLimit.limited) {
    const retryAfterSeconds = Math.max(1, Math.ceil((result.resetAtMs - Date.now()) / 1000));
    return {
      principal,
      tenant,
      rateLimit,
      refusal: new DomainError('TOO_MANY_REQUESTS', `Rate limit of ${result.limit} API calls per hour reached`, {
        retryAfterSeconds,
        details: { reason: 'rate_limited', limit: result.limit, resetAt: new Date(result.resetAtMs).toISOString() },
      }),
    };
  }
  return { principal, tenant, rateLimit, refusal: null };
}

/** The credential's claims if its form (and a token's signature) holds; nothing is trusted yet. */
async function presentedCredential(deps: AuthenticateDeps, token: string): Promise<Presented | null> {
  if (isApiKeyToken(token)) {
    const parts = parseApiKey(token);
    if (!parts) return null;
    return {
      kind: 'api_key',
      tenantUuid: parts.tenantUuid,
      credentialKey: apiKeyKey(deps.redisPrefix, parts.keyId),
      secret: parts.secret,
      secretHash: hashSecret(parts.secret),
    };
  }
  try {
    const claims = await deps.tokens.verify(token, 'access');
    return {
      kind: 'session',
      tenantUuid: claims.tid,
      credentialKey: sessionKey(deps.redisPrefix, claims.sid),
      userId: claims.sub,
      sessionId: claims.sid,
    };
  } catch (error) {
    if (error instanceof InvalidTokenError) return null;
    throw error;
  }
}

/** A tenant that moved to a tier without API access keeps its keys, but they stop working. */
function apiAccessRefusal(): DomainError {
  return new DomainError('FORBIDDEN', 'Feature not available in your subscription: API access', {
    details: {
      reason: 'feature_not_available',
      feature: 'api_access',
      featureLabel: FEATURE_LABELS.api_access,
      requiredTier: cheapestTierWith('api_access'),
    },
  });
}

/** undefined: no credential; null: malformed header; string: the token. */
function bearerToken(header: string | null): string | null | undefined {
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
  return match ? (match[1] as string) : null;
}
