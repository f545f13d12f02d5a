import { TenantAuditLog, withPersonal } from '@digame/core/audit';
import type { Database } from '@digame/core/db';
import type { EmailPayload } from '@digame/core/jobs';
import { TenantSetting } from '@digame/core/settings';
import { hashPassword, User } from '@digame/core/users';
import { TRPCClientError } from '@trpc/client';
import type { AppRouter } from '../trpc/router.js';
import type { TestApi } from './test-api.js';

/** A password that passes the policy, shared by identity tests. */
export const GOOD_PASSWORD = 'correct horse battery staple';

/** The code, message and field messages of a tRPC call that must fail. */
export async function refusedWith(
  call: Promise<unknown>,
): Promise<{ code: string; message: string; fields?: Record<string, string>; details?: Record<string, unknown> }> {
  try {
    await call;
  } catch (error) {
    if (!(error instanceof TRPCClientError)) throw error;
    const { data, message } = error as TRPCClientError<AppRouter>;
    const { code, fields, details } = data as unknown as {
      code: string;
      fields?: Record<string, string>;
      details?: Record<string, unknown>;
    };
    return { code, message, fields, details };
  }
  throw new Error('expected the call to be refused, but it succeeded');
}

export async function setUserPassword(db: Database, userId: string, password = GOOD_PASSWORD): Promise<void> {
  const passwordHash = await hashPassword(password);
  await db.inGlobal((em) => em.nativeUpdate(User, { id: userId }, { passwordHash }));
}

export async function emailOf(db: Database, userId: string): Promise<string> {
  return (await db.inGlobal((em) => em.findOneOrFail(User, { id: userId }))).email;
}

/** Sets a tenant's security setting (as the settings screens would) and drops the cached facts. */
export async function setSecuritySetting(api: TestApi, tenantId: number, key: string, value: unknown): Promise<void> {
  await api.database.db.inTenant(tenantId, async (em) => {
    const existing = await em.findOne(TenantSetting, { category: 'security', key });
    if (existing) existing.value = value;
    else em.create(TenantSetting, { tenant: tenantId, category: 'security', key, value });
  });
  await api.deps.tenants.invalidate(tenantId);
}

/** Emails enqueued so far (no worker runs in api tests), newest first. */
export async function enqueuedEmails(api: TestApi): Promise<EmailPayload[]> {
  const jobs = await api.deps.jobs.queue('emails').getJobs(['waiting', 'delayed', 'prioritized']);
  return jobs.sort((a, b) => b.timestamp - a.timestamp).map((job) => job.data as EmailPayload);
}

/** The token in the link of the newest email of a template to an address. */
export async function tokenFromEmail(
  api: TestApi,
  to: string,
  template: EmailPayload['template'],
  options: { notToken?: string } = {},
): Promise<string> {
  // Reset emails are queued off the response path: wait for the newest one (other than a known token).
  const linkOf = (mail: EmailPayload) => JSON.stringify(mail.data);
  const emails = await eventually(
    () => enqueuedEmails(api),
    (all) =>
      all.some(
        (mail) =>
          mail.to === to &&
          mail.template === template &&
          !(options.notToken && linkOf(mail).includes(options.notToken)),
      ),
  );
  const email = emails.find(
    (mail) =>
      mail.to === to && mail.template === template && !(options.notToken && linkOf(mail).includes(options.notToken)),
  );
  if (!email) throw new Error(`no ${template} email to ${to}`);
  const data = email.data as { setPasswordUrl?: string; resetUrl?: string };
  const url = new URL(data.setPasswordUrl ?? data.resetUrl ?? '');
  const token = url.searchParams.get('token');
  if (!token) throw new Error(`the ${template} email to ${to} has no token link`);
  return token;
}

/** The tenant's audit entries of one action, oldest first, with their personal values back in `details`. */
export async function auditActions(db: Database, tenantId: number, action: string) {
  const entries = await db.inTenant(tenantId, (em) =>
    em.find(TenantAuditLog, { action }, { orderBy: { createdAt: 'asc' } }),
  );
  return entries.map((entry) => ({ ...entry, details: withPersonal(entry.details, entry.personal) }));
}

/** The JSON of a single (unbatched) tRPC response. */
export interface TrpcResponse {
  result?: { data: Record<string, unknown> };
  error?: { message: string; data: { code: string; httpStatus: number } };
}

/** A raw tRPC mutation over HTTP, so headers (cookies, origin) and status codes are visible. */
export async function postTrpc(
  api: TestApi,
  path: string,
  input: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: TrpcResponse; setCookie: string | null }> {
  const response = await fetch(`${api.url}/trpc/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(input),
  });
  const text = await response.text();
  return {
    status: response.status,
    body: (text ? JSON.parse(text) : {}) as TrpcResponse,
    setCookie: response.headers.get('set-cookie'),
  };
}

/** Waits until a condition holds (for effects recorded off the response path). */
export async function eventually<T>(probe: () => Promise<T>, accept: (value: T) => boolean, timeoutMs = 5_000) {
  const started = Date.now();
  for (;;) {
    const value = await probe();
    if (accept(value)) return value;
    if (Date.now() - started > timeoutMs) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
