import { randomUUID } from 'node:crypto';
import { TenantAuditLog, withPersonal } from '@digame/core/audit';
import { effectivePermissions } from '@digame/core/auth';
import type { Database } from '@digame/core/db';
import type { Role } from '@digame/core/members';
import { Tenant, type TenantEntity } from '@digame/core/tenants';
import type { TenantFixture } from '@digame/core/testing';
import { TRPCClientError } from '@trpc/client';
import { expect } from 'vitest';
import type { AppRouter } from '../trpc/router.js';
import type { TestApi } from './test-api.js';

export interface RefusalData {
  code: string;
  httpStatus: number;
  fields?: Record<string, string>;
  details?: Record<string, unknown>;
}

/** Awaits a tRPC call that must fail, and returns its message and error data for assertions. */
export async function refusal(call: Promise<unknown>): Promise<{ message: string; data: RefusalData }> {
  try {
    await call;
  } catch (error) {
    if (!(error instanceof TRPCClientError)) throw error;
    const { data, message } = error as TRPCClientError<AppRouter>;
    return { message, data: data as unknown as RefusalData };
  }
  throw new Error('expected the call to be refused, but it succeeded');
}

export async function expectRefused(call: Promise<unknown>, code: string, message?: RegExp | string) {
  const result = await refusal(call);
  expect(result.data.code).toBe(code);
  if (message) expect(result.message).toMatch(message);
  return result;
}

/** A typed client signed in as the fixture member of a role. */
export async function clientAs(
  api: TestApi,
  tenant: TenantFixture,
  role: Role,
  options: { platformOperator?: boolean } = {},
) {
  const token = await api.sessionToken({ tenantId: tenant.tenantId, userId: tenant.users[role], role, ...options });
  return api.client(token);
}

/** The tenant's audit entries of one action, oldest first, with their personal values back in `details`. */
export async function auditEntries(db: Database, tenantId: number, action: string) {
  const entries = await db.inTenant(tenantId, (em) =>
    em.find(TenantAuditLog, { tenant: tenantId, action }, { orderBy: { id: 'asc' } }),
  );
  return entries.map((entry) => ({ ...entry, details: withPersonal(entry.details, entry.personal) }));
}

export async function tenantUuid(db: Database, tenantId: number): Promise<string> {
  const [row] = await db.inGlobal((em) =>
    em.execute<{ tenant_uuid: string }[]>('select tenant_uuid from tenants where id = ?', [tenantId]),
  );
  if (!row) throw new Error(`no tenant ${tenantId}`);
  return row.tenant_uuid;
}

/**
 * A session registered the way sign-in registers it (indexed under its member), so changes to the
 * membership reach it; returns its access token.
 */
export async function indexedSessionToken(api: TestApi, tenant: TenantFixture, role: Role): Promise<string> {
  const { deps } = api;
  const userId = tenant.users[role];
  const sessionId = randomUUID();
  await deps.services.credentials.putSession(
    sessionId,
    {
      kind: 'session',
      tenantId: tenant.tenantId,
      userId,
      role,
      permissions: [...effectivePermissions(role)],
      platformOperator: false,
      expiresAt: Date.now() + 3_600_000,
    },
    3_600_000,
  );
  return deps.tokens.sign({ typ: 'access', sub: userId, tid: tenant.tenantUuid, sid: sessionId, role });
}

/** Sets tenant columns directly, as a test arrangement, and drops the cached facts. */
export async function setTenantColumns(api: TestApi, tenantId: number, changes: Partial<TenantEntity>): Promise<void> {
  await api.database.db.inGlobal(async (em) => {
    em.assign(await em.findOneOrFail(Tenant, { id: tenantId }), changes);
  });
  await api.deps.tenants.invalidate(tenantId);
}

/** The accept link of the latest invitation email queued for an address (no worker runs in api tests). */
export async function invitationTokenFor(api: TestApi, email: string): Promise<string> {
  const jobs = await api.deps.jobs.queue('emails').getJobs(['waiting', 'delayed', 'prioritized']);
  const mine = jobs
    .filter((job) => job.data?.template === 'invitation' && job.data.to === email)
    .sort((a, b) => a.timestamp - b.timestamp);
  const latest = mine.at(-1);
  if (!latest) throw new Error(`no invitation email queued for ${email}`);
  const token = new URL(latest.data.data.acceptUrl as string).searchParams.get('token');
  if (!token) throw new Error('the invitation email has no token');
  return token;
}
