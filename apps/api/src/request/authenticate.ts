import {
  type AccessTokens,
  type ApiKeyUsage,
  apiKeyKey,
  InvalidTokenError,
  isApiKeyToken,
  parseApiKey,
  secretMatches,
  sessionKey,
  tenantStandingProblem,
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
}

const refuse = (refusal: DomainError): Caller => ({ ...ANONYMOUS, refusal });
const unauthorized = (message: string) => refuse(new DomainError('UNAUTHORIZED', message));

/**
 * Establishes the caller: verify the credential (CPU only), read tenant facts (process cache),
 * check suspension and the IP allowlist, then one Redis round trip that confirms the session or key
 * is live and counts the calls against the tenant's hourly limit.
 */
export async function authenticate(deps: AuthenticateDeps, input: AuthenticateInput): Promise<Caller> {
  const token = bearerToken(input.authorization);
  if (token === undefined) return ANONYMOUS;
  if (token === null) return unauthorized('Authorization header must be "Bearer <token>"');

  let tenantId: number;
  let credentialKey: string;
  let sessionClaims: { sub: string; sid: string } | null = null;
  let apiKeySecret: string | null = null;
  if (isApiKeyToken(token)) {
    const parts = parseApiKey(token);
    if (!parts) return unauthorized('Invalid API key');
    tenantId = parts.tenantId;
    credentialKey = apiKeyKey(deps.redisPrefix, parts.keyId);
    apiKeySecret = parts.secret;
  } else {
    try {
      const claims = await deps.tokens.verify(token, 'access');
      tenantId = claims.tid;
      credentialKey = sessionKey(deps.redisPrefix, claims.sid);
      sessionClaims = claims;
    } catch (error) {
      return unauthorized(
        error instanceof InvalidTokenError ? `Invalid access token: ${error.message}` : 'Invalid access token',
      );
    }
  }

  const tenant = await deps.tenants.get(tenantId);
  if (!tenant) return unauthorized(apiKeySecret ? 'Invalid API key' : 'Invalid access token: unknown tenant');
  const standing = tenantStandingProblem(tenant, input.ipAddress);
  if (standing) return { ...refuse(standing), tenant };

  const result = await deps.gate.pass({
    credentialKey,
    tenantId,
    calls: input.calls,
    hourlyLimit: tenant.apiRateLimit,
    idleTimeoutMs: sessionClaims ? tenant.sessionIdleMinutes * 60_000 : 0,
  });
  if (result.status === 'unknown_credential') {
    return unauthorized(apiKeySecret ? 'Invalid API key: unknown or revoked' : 'Session has ended; sign in again');
  }

  const record = result.credential;
  let principal: Principal;
  if (
    record.kind === 'session' &&
    sessionClaims &&
    record.tenantId === tenantId &&
    record.userId === sessionClaims.sub
  ) {
    if (record.expiresAt <= Date.now()) return unauthorized('Session has ended; sign in again');
    principal = {
      kind: 'session',
      userId: record.userId,
      tenantId,
      sessionId: sessionClaims.sid,
      role: record.role,
      permissions: new Set(record.permissions),
      platformOperator: record.platformOperator === true,
    };
  } else if (record.kind === 'api_key' && apiKeySecret && record.tenantId === tenantId) {
    if (!secretMatches(apiKeySecret, record.secretHash)) return unauthorized('Invalid API key');
    if (record.expiresAt !== null && record.expiresAt <= Date.now()) return unauthorized('Invalid API key: expired');
    if (tenant.features.api_access !== true) {
      // A tenant that moved to a tier without API access keeps its keys, but they stop working.
      return refuse(
        new DomainError('FORBIDDEN', 'Feature not available in your subscription: API access', {
          details: {
            reason: 'feature_not_available',
            feature: 'api_access',
            featureLabel: FEATURE_LABELS.api_access,
            requiredTier: cheapestTierWith('api_access'),
          },
        }),
      );
    }
    deps.identity.apiKeyUsage.record(tenantId, record.keyId, input.ipAddress);
    principal = {
      kind: 'api_key',
      keyId: record.keyId,
      userId: record.createdByUserId,
      tenantId,
      role: null,
      permissions: new Set(record.scopes),
      platformOperator: false,
    };
  } else {
    return unauthorized('Invalid credential');
  }

  deps.liveApiCalls?.counted(tenantId, result.used, result.resetAtMs);
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

/** undefined: no credential; null: malformed header; string: the token. */
function bearerToken(header: string | null): string | null | undefined {
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
  return match ? (match[1] as string) : null;
}
