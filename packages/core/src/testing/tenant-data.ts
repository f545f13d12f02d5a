import { randomBytes, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { audit } from '../audit/audit.js';
import type { Database } from '../db/database.js';
import { uploadFile } from '../files/upload.js';
import type { Role } from '../members/roles.js';
import { createTenantWithMembers, type TenantFixture } from './fixtures.js';
import type { TestServiceDeps } from './service-deps.js';

/** What populateTenant planted: values a test looks for (or must not find) afterwards. */
export interface PlantedData {
  /** Stored files by uploader role, with their bytes. */
  files: { id: string; uploader: Role; bytes: Buffer }[];
  /** Credential material that no archive may contain. */
  secrets: string[];
  /** Email and full name of each member, by role. */
  people: Record<Role, { email: string; fullName: string }>;
  invitedEmail: string;
}

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

/**
 * Fills a fixture tenant with rows in the tables a tenant uses — files (bytes in the object store),
 * sessions, API keys, invitations, plain and secret settings, support tickets and messages,
 * analytics events, email delivery records, audit entries that name people — through services
 * where that is the product's way in, and plain SQL for what only sign-in or the worker writes.
 * Each member's free-text traces carry their name and address, as people write them.
 */
export async function populateTenant(
  db: Database,
  deps: TestServiceDeps,
  tenant: TenantFixture,
  tag: string,
): Promise<PlantedData> {
  const roles: Role[] = ['admin', 'manager', 'member', 'viewer'];
  const people = {} as PlantedData['people'];
  await db.inGlobal(async (em) => {
    for (const role of roles) {
      const [row] = await em.execute<{ email: string; full_name: string }[]>(
        `update users set password_hash = ?, mfa_secret_encrypted = ?, password_token_hash = ?,
                mfa_recovery_code_hashes = ?::jsonb
          where id = ? returning email, full_name`,
        [
          `$argon2id$secret-${hex(8)}`,
          `mfa-${hex(8)}`,
          hex(32),
          JSON.stringify([`recovery-${hex(8)}`]),
          tenant.users[role],
        ],
      );
      people[role] = { email: row?.email ?? '', fullName: row?.full_name ?? '' };
    }
  });
  const secrets = await db.inGlobal(async (em) => {
    const rows = await em.execute<
      { password_hash: string; mfa_secret_encrypted: string; password_token_hash: string }[]
    >(
      `select password_hash, mfa_secret_encrypted, password_token_hash from users where id in (${roles.map(() => '?').join(', ')})`,
      roles.map((role) => tenant.users[role]),
    );
    return rows.flatMap((row) => [row.password_hash, row.mfa_secret_encrypted, row.password_token_hash]);
  });

  const files: PlantedData['files'] = [];
  for (const uploader of ['admin', 'member'] as const) {
    const bytes = Buffer.concat([Buffer.from(`${tag} ${uploader} file `), randomBytes(40_000)]);
    const file = await uploadFile(
      (service) => deps.run(tenant.tenantId, service, { actor: { userId: tenant.users[uploader] } }),
      deps.services.files,
      { name: `${uploader}-notes.bin`, contentType: 'application/octet-stream', sizeBytes: bytes.length },
      Readable.from([bytes]),
    );
    files.push({ id: file.id, uploader, bytes });
  }

  const invitedEmail = `invitee-${tag}@invited.test`;
  const member = people.member;
  await db.inTenant(tenant.tenantId, async (em) => {
    const t = tenant.tenantId;
    for (const role of roles) {
      const refresh = hex(32);
      const keySecret = hex(32);
      secrets.push(refresh, keySecret);
      await em.execute(
        `insert into auth_sessions (tenant_id, id, user_id, refresh_token_hash, previous_refresh_token_hashes, absolute_expires_at, ip_address, user_agent)
         values (?, ?, ?, ?, ?::jsonb, now() + interval '1 day', '203.0.113.7', ?)`,
        [
          t,
          randomUUID(),
          tenant.users[role],
          refresh,
          JSON.stringify([hex(32)]),
          `Browser of ${people[role].fullName}`,
        ],
      );
      await em.execute(
        `insert into api_keys (tenant_id, id, key_id, name, prefix, secret_hash, scopes, created_by_user_id)
         values (?, ?, ?, ?, ?, ?, '["tenant.read"]'::jsonb, ?)`,
        [t, randomUUID(), hex(8), `${role} automation`, `dg_${hex(4)}`, keySecret, tenant.users[role]],
      );
    }
    const invitationHash = hex(32);
    secrets.push(invitationHash);
    await em.execute(
      `insert into tenant_invitations (tenant_id, id, email, role, invited_by_user_id, invitation_token_hash, expires_at)
       values (?, ?, ?, 'viewer', ?, ?, now() + interval '7 days'), (?, ?, ?, 'member', ?, ?, now() + interval '7 days')`,
      [
        t,
        randomUUID(),
        invitedEmail,
        tenant.users.admin,
        invitationHash,
        t,
        randomUUID(),
        member.email,
        tenant.users.admin,
        hex(32),
      ],
    );
    const cipher = `v1:test1:${hex(24)}`;
    secrets.push(cipher);
    await em.execute(
      `insert into tenant_settings (tenant_id, id, category, key, value, is_encrypted, encryption_key_id, updated_by_user_id)
       values (?, ?, 'general', 'webhook_secret', ?::jsonb, true, 'test1', ?),
              (?, ?, 'notifications', 'monthlyReportEmail', ?::jsonb, false, null, ?)`,
      [
        t,
        randomUUID(),
        JSON.stringify(cipher),
        tenant.users.admin,
        t,
        randomUUID(),
        JSON.stringify({ enabled: true, dayOfMonth: 2, recipients: [people.admin.email, member.email] }),
        tenant.users.admin,
      ],
    );
    const ticket = randomUUID();
    await em.execute(
      `insert into tenant_support_tickets (tenant_id, id, opened_by_user_id, subject, body)
       values (?, ?, ?, ?, ?)`,
      [t, ticket, tenant.users.member, `Access for ${member.fullName}`, `Please reach me at ${member.email}. ${tag}`],
    );
    await em.execute(
      `insert into tenant_support_ticket_messages (tenant_id, id, ticket_id, author_user_id, from_support, body)
       values (?, ?, ?, ?, false, ?), (?, ?, ?, ?, false, ?)`,
      [
        t,
        randomUUID(),
        ticket,
        tenant.users.member,
        `Thanks, ${member.fullName} here.`,
        t,
        randomUUID(),
        ticket,
        tenant.users.admin,
        `Answered ${member.email}.`,
      ],
    );
    await em.execute(
      `insert into analytics_events (tenant_id, id, user_id, event_type, event_data) values (?, ?, ?, 'feature_used', ?::jsonb)`,
      [t, randomUUID(), tenant.users.member, JSON.stringify({ feature: 'reports', by: member.email })],
    );
    await em.execute(
      `insert into tenant_email_deliveries (tenant_id, dedupe_key, template, recipient, status, claimed_by_job, claim_attempt, claimed_at, message_id)
       values (?, ?, 'limit_alert', ?, 'sent', 'job-1', 1, now(), ?)`,
      [t, `alert:${tag}`, member.email, `<${hex(6)}@mail.test>`],
    );
  });
  // Audit entries that name people, the way services write them: personal values outside the hash.
  await deps.run(
    tenant.tenantId,
    async (ctx) => {
      audit(ctx, {
        action: 'invitation.created',
        resourceType: 'invitation',
        details: { email: member.email, role: 'member' },
      });
      audit(ctx, { action: 'report.emailed', resourceType: 'monthly_report', details: { recipients: [member.email] } });
    },
    { actor: { userId: tenant.users.admin, ipAddress: '198.51.100.4', userAgent: 'admin browser' } },
  );
  await deps.run(tenant.tenantId, async (ctx) => audit(ctx, { action: 'profile.viewed', resourceType: 'user' }), {
    actor: { userId: tenant.users.member, ipAddress: '203.0.113.9', userAgent: `${member.fullName}'s laptop` },
  });
  return { files, secrets, people, invitedEmail };
}

/** Two populated tenants side by side, for tests that prove one never reaches the other. */
export async function populateTwoTenants(
  db: Database,
  deps: TestServiceDeps,
  names: [string, string],
): Promise<{ alpha: TenantFixture; beta: TenantFixture; alphaData: PlantedData; betaData: PlantedData }> {
  const alpha = await createTenantWithMembers(db, names[0]);
  const beta = await createTenantWithMembers(db, names[1]);
  return {
    alpha,
    beta,
    alphaData: await populateTenant(db, deps, alpha, 'alpha'),
    betaData: await populateTenant(db, deps, beta, 'beta'),
  };
}
