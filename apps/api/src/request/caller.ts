import type { Permission } from '@digame/core/auth';
import type { DomainError } from '@digame/core/errors';
import type { Role } from '@digame/core/members';
import type { TenantFacts } from '@digame/core/tenants';

/** Who is calling, established once per request from a verified credential. */
export type Principal =
  | {
      kind: 'session';
      userId: string;
      tenantId: number;
      sessionId: string;
      role: Role;
      permissions: ReadonlySet<Permission>;
      platformOperator: boolean;
    }
  | {
      kind: 'api_key';
      keyId: string;
      /** The member who created the key, for the audit trail. */
      userId: string | null;
      tenantId: number;
      role: null;
      permissions: ReadonlySet<Permission>;
      /** API keys never carry operator powers. */
      platformOperator: false;
    };

export interface RateLimitState {
  limit: number;
  remaining: number;
  resetAtMs: number;
  limited: boolean;
}

/**
 * The outcome of authentication for one request. A presented credential that fails verification
 * leaves `refusal` set: procedures that need a caller throw it; public ones ignore the credential.
 */
export interface Caller {
  principal: Principal | null;
  tenant: TenantFacts | null;
  refusal: DomainError | null;
  rateLimit: RateLimitState | null;
}

export const ANONYMOUS: Caller = { principal: null, tenant: null, refusal: null, rateLimit: null };
