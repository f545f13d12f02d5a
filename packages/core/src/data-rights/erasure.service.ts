import { z } from 'zod';
import { audit } from '../audit/audit.js';
import { revokeKeysCreatedBy } from '../auth/api-keys.js';
import type { Permission } from '../auth/permissions.js';
import { endMemberSessions } from '../auth/sessions.js';
import type { Database } from '../db/database.js';
import { uuidv7 } from '../db/ids.js';
import { DomainError } from '../errors/domain-error.js';
import { assertKeepsAnAdmin, assertMayGrant, lockTenantForSeats, permissionsOf } from '../members/member-guards.js';
import { TenantUser, type TenantUserEntity } from '../members/tenant-user.entity.js';
import type { TenantContext } from '../services/context.js';
import { TenantSetting } from '../settings/setting.entity.js';
import { membershipsOf } from '../users/memberships.js';
import { normalizeEmail } from '../users/user.entity.js';
import { TenantDataExport, TenantErasure } from './data-rights.entity.js';
import { expireExport } from './export.service.js';

/** What erased values read as wherever free text or JSON held them. */
export const ERASED = '[erased]';
/** Shorter needles (a two-letter name) would erase unrelated words. */
const MIN_NEEDLE_LENGTH = 3;

const confirmEmail = z
  .string()
  .trim()
  .min(1, 'type the email address of the person to erase')
  .max(255, 'must be at most 255 characters');
export const eraseMemberInput = z.strictObject({ memberId: z.uuid('must be a member id'), confirmEmail });
export const eraseMeInput = z.strictObject({ confirmEmail });

export interface ErasureView {
  erasureId: string;
  /** The erased person's user id: how the audit trail and every other record refer to them now. */
  pseudonym: string;
  erasedAt: Date;
  summary: Record<string, number>;
}

/** Tables the catalog sweep leaves to their own step: the audit trail (its lifecycle function) and the outbox (rows dropped). */
const SWEPT_ELSEWHERE = ['tenant_audit_logs', 'tenant_outbox'];

const regexEscape = (value: string) => value.replace(/[\\.^$|?*+()[\]{}]/g, '\\$&');
/** A pattern matching any needle in plain text. */
const textPattern = (needles: string[]) => needles.map(regexEscape).join('|');
/** A pattern matching any needle inside JSON text (where quotes and backslashes are escaped). */
const jsonPattern = (needles: string[]) =>
  needles.map((needle) => regexEscape(JSON.stringify(needle).slice(1, -1))).join('|');

/**
 * Replaces the person's address and name in every text and JSON value of every tenant-scoped
 * table of this tenant, found from the catalog (a table added later is covered without a change
 * here). Values in a key or unique column get the pseudonym, so two erasures never collide there.
 */
async function scrubTenantTables(ctx: TenantContext, needles: string[], pseudonym: string): Promise<number> {
  const columns = await ctx.em.execute<
    { table_name: string; column_name: string; type: string; max_length: number | null; is_key: boolean }[]
  >(
    `select c.relname as table_name, a.attname as column_name, t.typname as type,
            case when t.typname = 'varchar' and a.atttypmod > 4 then a.atttypmod - 4 end as max_length,
            exists (select 1 from pg_index x where x.indrelid = c.oid and x.indisunique and a.attnum = any (x.indkey::int2[])) as is_key
       from pg_attribute a
       join pg_class c on c.oid = a.attrelid
       join pg_namespace n on n.oid = c.relnamespace
       join pg_type t on t.oid = a.atttypid
      where n.nspname = 'public' and c.relkind in ('r', 'p') and a.attnum > 0 and not a.attisdropped
        and t.typname in ('text', 'varchar', 'json', 'jsonb')
        and c.relname not in (select jsonb_array_elements_text(?::jsonb))
        and exists (select 1 from pg_attribute s where s.attrelid = c.oid and s.attname = 'tenant_id' and not s.attisdropped)
      order by 1, 2`,
    [JSON.stringify(SWEPT_ELSEWHERE)],
  );
  const patterns = { text: textPattern(needles), json: jsonPattern(needles) };
  let changed = 0;
  for (const column of columns) {
    const table = `"${column.table_name}"`;
    const name = `"${column.column_name}"`;
    const replacement = column.is_key ? `[erased:${pseudonym}]` : ERASED;
    const json = column.type === 'json' || column.type === 'jsonb';
    const pattern = json ? patterns.json : patterns.text;
    const source = json ? `${name}::text` : name;
    let value = `regexp_replace(${source}, ?, ?, 'gi')`;
    if (json) value = `(${value})::${column.type}`;
    else if (column.max_length) value = `left(${value}, ${column.max_length})`;
    const updated = await ctx.em.execute(
      `update ${table} set ${name} = ${value} where tenant_id = ? and ${source} ~* ?`,
      [pattern, replacement, ctx.tenantId, pattern],
      'run',
    );
    changed += Number((updated as { affectedRows?: number }).affectedRows ?? 0);
  }
  return changed;
}

/** A list entry that was the person goes; other strings lose the person's values. */
function scrubJson(value: unknown, needles: string[]): unknown {
  if (typeof value === 'string') {
    return needles.reduce((text, needle) => text.replace(new RegExp(regexEscape(needle), 'gi'), ERASED), value);
  }
  if (Array.isArray(value)) {
    return value
      .filter((item) => !(typeof item === 'string' && needles.some((n) => item.toLowerCase() === n.toLowerCase())))
      .map((item) => scrubJson(item, needles));
  }
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, scrubJson(item, needles)]));
  }
  return value;
}

/** Settings such as report recipients lose the person from their lists, so the list stays valid. */
async function scrubSettings(ctx: TenantContext, needles: string[]): Promise<number> {
  const settings = await ctx.em.find(TenantSetting, { tenant: ctx.tenantId, isEncrypted: false });
  let changed = 0;
  for (const setting of settings) {
    const scrubbed = scrubJson(setting.value, needles);
    if (JSON.stringify(scrubbed) !== JSON.stringify(setting.value)) {
      setting.value = scrubbed as typeof setting.value;
      changed += 1;
    }
  }
  await ctx.em.flush();
  return changed;
}

/** The tenant's contact moves to the longest-serving other admin when it was the erased person. */
async function reassignContact(ctx: TenantContext, member: TenantUserEntity, needles: string[]): Promise<number> {
  const [contact] = await ctx.em.execute<{ admin_email: string; admin_name: string }[]>(
    'select admin_email, admin_name from tenants where id = ?',
    [ctx.tenantId],
  );
  const lowered = needles.map((needle) => needle.toLowerCase());
  if (!contact || !lowered.some((n) => [contact.admin_email, contact.admin_name].some((v) => v.toLowerCase() === n))) {
    return 0;
  }
  const [next] = await ctx.em.execute<{ email: string; full_name: string }[]>(
    `select u.email, u.full_name from tenant_users tu join users u on u.id = tu.user_id
      where tu.tenant_id = ? and tu.role = 'admin' and tu.is_active and tu.user_id <> ?
      order by tu.joined_at limit 1`,
    [ctx.tenantId, member.user.id],
  );
  if (!next) return 0;
  await ctx.em.execute('update tenants set admin_email = ?, admin_name = ?, updated_at = now() where id = ?', [
    next.email,
    next.full_name,
    ctx.tenantId,
  ]);
  ctx.invalidateTenantFacts();
  ctx.publish('tenant.changed', { change: 'contact' });
  return 1;
}

/**
 * Erases one member's personal data from this tenant (see docs/data-lifecycle.md): credentials
 * end (Redis before commit, and through the outbox), the membership goes, the traces they left
 * lose their address and name, the audit trail keeps only their user id (through the lifecycle
 * role's function; the chain still verifies), and the account itself is anonymized by a job once
 * they belong to no tenant. Recorded without personal data.
 */
async function erase(
  ctx: TenantContext,
  member: TenantUserEntity,
  confirmation: string,
  selfRequested: boolean,
): Promise<ErasureView> {
  const { id: userId, email, fullName } = member.user;
  if (normalizeEmail(confirmation) !== email) {
    throw new DomainError('BAD_REQUEST', 'The email address does not match the person to erase', {
      fields: { confirmEmail: 'must be the email address of the person to erase' },
    });
  }
  await assertKeepsAnAdmin(ctx, member, 'erase the last admin');
  const needles = [email, fullName].filter((needle) => needle.trim().length >= MIN_NEEDLE_LENGTH);
  const summary: Record<string, number> = {};
  summary.sessions = await endMemberSessions(ctx, userId, 'member_removed');
  summary.apiKeys = await revokeKeysCreatedBy(ctx, userId, 'creator_removed');
  summary.contact = await reassignContact(ctx, member, needles);
  const earlier = await ctx.em.find(TenantDataExport, {
    tenant: ctx.tenantId,
    status: { $in: ['queued', 'building', 'ready'] },
    $or: [{ scope: 'tenant' }, { subjectUserId: userId }],
  });
  for (const row of earlier) expireExport(ctx, row);
  summary.exports = earlier.length;
  ctx.em.remove(member);
  await ctx.em.flush();

  const run = (sql: string, params: unknown[]) =>
    ctx.em
      .execute(sql, params, 'run')
      .then((result) => Number((result as { affectedRows?: number }).affectedRows ?? 0));
  summary.invitations = await run('delete from tenant_invitations where tenant_id = ? and lower(email) = ?', [
    ctx.tenantId,
    email,
  ]);
  summary.files = await run(
    'update tenant_files set uploaded_by_user_id = null where tenant_id = ? and uploaded_by_user_id = ?',
    [ctx.tenantId, userId],
  );
  await run('update auth_sessions set ip_address = null, user_agent = null where tenant_id = ? and user_id = ?', [
    ctx.tenantId,
    userId,
  ]);
  // Effects still waiting that concern them (mail to their address): the person is gone, so are they.
  summary.pendingEffects = await run(
    'delete from tenant_outbox where tenant_id = ? and strpos(lower(payload::text), ?) > 0',
    [ctx.tenantId, email],
  );
  summary.settings = await scrubSettings(ctx, needles);
  summary.values = await scrubTenantTables(ctx, needles, userId);
  const inJson = jsonPattern(needles);
  await run(
    `update tenants set settings = regexp_replace(settings::text, ?, ?, 'gi')::jsonb,
            branding = regexp_replace(branding::text, ?, ?, 'gi')::jsonb
      where id = ? and (settings::text ~* ? or branding::text ~* ?)`,
    [inJson, ERASED, inJson, ERASED, ctx.tenantId, inJson, inJson],
  );
  const [trail] = await ctx.em.execute<{ entries_acted: string; entries_scrubbed: string }[]>(
    'select entries_acted, entries_scrubbed from audit_erase_person(?, array(select jsonb_array_elements_text(?::jsonb)))',
    [userId, JSON.stringify(needles)],
  );
  summary.auditEntries = Number(trail?.entries_acted ?? 0) + Number(trail?.entries_scrubbed ?? 0);

  const erasure = ctx.em.create(TenantErasure, {
    // Known now, not at flush: the audit entry and the account job name it.
    id: uuidv7(),
    tenant: ctx.tenantId,
    subjectUserId: userId,
    erasedByUserId: ctx.actor.userId,
    selfRequested,
    summary,
    erasedAt: ctx.now,
  });
  // Written after the trail was scrubbed: a person erasing themselves leaves no address or browser in it.
  const anonymous = selfRequested ? { ...ctx, actor: { userId, ipAddress: null, userAgent: null } } : ctx;
  audit(anonymous, {
    action: 'member.erased',
    resourceType: 'member',
    resourceId: member.id,
    details: { userId, erasureId: erasure.id, selfRequested },
  });
  ctx.publish('member.changed', { memberId: member.id, change: 'erased' });
  ctx.enqueue('data.erase_account', { userId }, { jobId: `data.erase_account:${erasure.id}` });
  return { erasureId: erasure.id, pseudonym: userId, erasedAt: erasure.erasedAt, summary };
}

/** An admin (users.manage) erases a member; never one holding permissions the admin lacks. */
export async function eraseMember(
  ctx: TenantContext,
  input: { memberId: string; confirmEmail: string; actorPermissions: ReadonlySet<Permission> },
): Promise<ErasureView> {
  await lockTenantForSeats(ctx);
  const member = await ctx.em.findOne(TenantUser, { tenant: ctx.tenantId, id: input.memberId }, { populate: ['user'] });
  if (!member) throw new DomainError('NOT_FOUND', 'Member not found');
  assertMayGrant(input.actorPermissions, permissionsOf(member), 'erase this member');
  return erase(ctx, member, input.confirmEmail, member.user.id === ctx.actor.userId);
}

/** A member erases their own personal data from this organization. */
export async function eraseMe(ctx: TenantContext, input: { confirmEmail: string }): Promise<ErasureView> {
  const userId = ctx.actor.userId;
  if (!userId) {
    throw new DomainError('FORBIDDEN', 'Only a signed-in member can erase their own data', {
      details: { reason: 'member_required' },
    });
  }
  await lockTenantForSeats(ctx);
  const member = await ctx.em.findOne(TenantUser, { tenant: ctx.tenantId, user: userId }, { populate: ['user'] });
  if (!member) throw new DomainError('NOT_FOUND', 'Member not found');
  return erase(ctx, member, input.confirmEmail, true);
}

/** The address an anonymized account keeps: unique, and deliverable nowhere. */
export const erasedAddress = (userId: string) => `erased-${userId}@erased.invalid`;

/**
 * The `data.erase_account` job: once an erased person belongs to no tenant, their account is
 * anonymized (no address, name or credential left, inactive) and its account-mail records lose
 * their address. Someone still a member elsewhere keeps their account; platform operators keep
 * theirs. Safe to run again.
 */
export async function eraseOrphanedAccount(
  db: Database,
  userId: string,
): Promise<{ erased: boolean; reason?: 'still_a_member' | 'no_account' | 'platform_operator' }> {
  return db.inGlobal(async (em) => {
    if ((await membershipsOf(em, userId)).length > 0) return { erased: false, reason: 'still_a_member' as const };
    const [user] = await em.execute<{ email: string; is_platform_operator: boolean }[]>(
      'select email, is_platform_operator from users where id = ? for update',
      [userId],
    );
    if (!user) return { erased: false, reason: 'no_account' as const };
    if (user.is_platform_operator) return { erased: false, reason: 'platform_operator' as const };
    await em.execute(
      `update users set email = ?, full_name = ?, password_hash = null, password_token_hash = null,
              password_token_purpose = null, password_token_expires_at = null, mfa_secret_encrypted = null,
              mfa_pending_secret_encrypted = null, mfa_enabled_at = null, mfa_last_used_step = null,
              mfa_recovery_code_hashes = '[]', is_active = false, last_sign_in_at = null, updated_at = now()
        where id = ?`,
      [erasedAddress(userId), ERASED, userId],
    );
    await em.execute("update account_email_deliveries set recipient = '[erased]' where lower(recipient) = ?", [
      user.email,
    ]);
    await em.execute('delete from global_outbox where strpos(lower(payload::text), ?) > 0', [user.email]);
    return { erased: true };
  });
}
