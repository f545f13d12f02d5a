import { DomainError } from '../errors/domain-error.js';
import type { TenantFacts } from '../tenants/tenant-directory.js';
import { isAddressAllowed } from './ip-allowlist.js';

/**
 * Why a tenant refuses a caller right now — suspended, or the caller's address is outside its IP
 * allowlist — or null. Checked on every request and at every sign-in, refresh and tenant switch.
 */
export function tenantStandingProblem(tenant: TenantFacts, ipAddress: string | null): DomainError | null {
  if (!tenant.isActive) {
    const reason = tenant.suspensionReason ? `: ${tenant.suspensionReason}` : '';
    return new DomainError('FORBIDDEN', `This organization is suspended${reason}. Contact your platform operator.`, {
      details: { reason: 'tenant_suspended' },
    });
  }
  if (!isAddressAllowed(ipAddress, tenant.ipAllowlist)) {
    return new DomainError(
      'FORBIDDEN',
      `Your address ${ipAddress ?? '(unknown)'} is not on this organization's IP allowlist`,
      { details: { reason: 'ip_not_allowed' } },
    );
  }
  return null;
}

export function assertTenantAdmits(tenant: TenantFacts, ipAddress: string | null): void {
  const problem = tenantStandingProblem(tenant, ipAddress);
  if (problem) throw problem;
}
