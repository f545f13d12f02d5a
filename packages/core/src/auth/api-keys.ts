import { audit } from '../audit/audit.js';
import { uuidv7 } from '../db/ids.js';
import { DomainError } from '../errors/domain-error.js';
import type { TenantContext } from '../services/context.js';
import { recordServiceEffect, revokeWithUnitOfWork } from '../services/effects.js';
import { User } from '../users/user.entity.js';
import { ApiKey, type ApiKeyEntity } from './api-key.entity.js';
import { generateApiKey } from './api-key-token.js';
import type { ApiKeyUsage } from './api-key-usage.js';
import type { ApiKeyRecord } from './credentials.js';
import type { Permission } from './permissions.js';

export interface ApiKeySummary {
  id: string;
  name: string;
  /** `dgk_<tenant uuid>_<keyId>`: enough to recognise a key, useless to use it. */
  prefix: string;
  scopes: Permission[];
  createdAt: Date;
  createdByUserId: string | null;
  expiresAt: Date | null;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
  lastUsedIp: string | null;
}

function summary(key: ApiKeyEntity, lastUse?: { at: Date; ipAddress: string | null }): ApiKeySummary {
  return {
    id: key.id,
    name: key.name,
    prefix: key.prefix,
    scopes: key.scopes,
    createdAt: key.createdAt,
    createdByUserId: key.createdBy?.id ?? null,
    expiresAt: key.expiresAt ?? null,
    revokedAt: key.revokedAt ?? null,
    lastUsedAt: lastUse?.at ?? null,
    lastUsedIp: lastUse?.ipAddress ?? null,
  };
}

/**
 * Creates a key whose scopes are a subset of what its creator may do. The full key is returned
 * once and never stored; the Redis record the request path checks is written after commit.
 */
export async function createApiKey(
  ctx: TenantContext,
  input: { name: string; scopes: Permission[]; expiresAt: Date | null; creatorPermissions: ReadonlySet<Permission> },
): Promise<{ key: string; apiKey: ApiKeySummary }> {
  const scopes = [...new Set(input.scopes)].sort();
  const beyond = scopes.filter((scope) => !input.creatorPermissions.has(scope));
  if (beyond.length > 0) {
    throw new DomainError('FORBIDDEN', `You cannot give a key permissions you do not have: ${beyond.join(', ')}`, {
      details: { reason: 'scope_exceeds_creator', scopes: beyond },
    });
  }
  if (input.expiresAt && input.expiresAt <= ctx.now) {
    throw new DomainError('BAD_REQUEST', 'The expiry must be in the future', {
      fields: { expiresAt: 'must be in the future' },
    });
  }
  const tenant = await ctx.deps.tenants.get(ctx.tenantId);
  if (!tenant) throw new DomainError('NOT_FOUND', 'Tenant not found');
  const generated = generateApiKey(tenant.uuid);
  const key = ctx.em.create(ApiKey, {
    tenant: ctx.tenantId,
    // Set here rather than at flush: the answer and the audit entry need them now.
    id: uuidv7(),
    createdAt: ctx.now,
    keyId: generated.keyId,
    name: input.name.trim(),
    prefix: generated.prefix,
    secretHash: generated.secretHash,
    scopes,
    createdBy: ctx.actor.userId,
    expiresAt: input.expiresAt,
  });
  audit(ctx, {
    action: 'apikey.created',
    resourceType: 'api_key',
    resourceId: key.id,
    details: { name: key.name, prefix: key.prefix, scopes, expiresAt: input.expiresAt?.toISOString() ?? null },
  });
  const record: ApiKeyRecord = {
    kind: 'api_key',
    tenantId: ctx.tenantId,
    keyId: generated.keyId,
    secretHash: generated.secretHash,
    scopes,
    expiresAt: input.expiresAt?.getTime() ?? null,
    createdByUserId: ctx.actor.userId,
  };
  recordServiceEffect(ctx.em, ctx.deps, { kind: 'api_key.put', payload: record });
  return { key: generated.token, apiKey: summary(key) };
}

export async function listApiKeys(ctx: TenantContext, usage: ApiKeyUsage): Promise<ApiKeySummary[]> {
  const keys = await ctx.em.find(ApiKey, {}, { orderBy: { createdAt: 'desc' } });
  const lastUses = await usage.lastUses(
    ctx.tenantId,
    keys.map((key) => key.keyId),
  );
  return keys.map((key) => summary(key, lastUses.get(key.keyId)));
}

/** Revokes a key of this tenant; its very next request is refused. Another tenant's key is NOT_FOUND. */
export async function revokeApiKey(ctx: TenantContext, id: string): Promise<ApiKeySummary> {
  const key = await ctx.em.findOne(ApiKey, { id });
  if (!key) throw new DomainError('NOT_FOUND', 'No such API key');
  if (!key.revokedAt) revokeKey(ctx, key, 'revoked');
  return summary(key);
}

/** Why a key stopped working, in its `apikey.revoked` audit entry. */
export type ApiKeyRevocationReason = 'revoked' | 'creator_removed' | 'creator_deactivated';

/**
 * Revokes every live key a member created, in the unit of work that removes or deactivates them.
 * A key acts with its creator's consent (its scopes never exceed theirs), so it stops when they
 * leave, like their sessions; to keep automation running, an admin creates a key of their own first.
 */
export async function revokeKeysCreatedBy(
  ctx: TenantContext,
  userId: string,
  reason: Exclude<ApiKeyRevocationReason, 'revoked'>,
): Promise<number> {
  const keys = await ctx.em.find(ApiKey, { createdBy: userId, revokedAt: null });
  for (const key of keys) revokeKey(ctx, key, reason);
  return keys.length;
}

function revokeKey(ctx: TenantContext, key: ApiKeyEntity, reason: ApiKeyRevocationReason): void {
  key.revokedAt = ctx.now;
  key.revokedBy = ctx.actor.userId ? ctx.em.getReference(User, ctx.actor.userId) : null;
  audit(ctx, {
    action: 'apikey.revoked',
    resourceType: 'api_key',
    resourceId: key.id,
    details: { name: key.name, prefix: key.prefix, ...(reason === 'revoked' ? {} : { reason }) },
  });
  revokeWithUnitOfWork(
    ctx.em,
    ctx.deps,
    { kind: 'api_key.revoke', payload: { keyId: key.keyId, expiresAt: key.expiresAt?.getTime() ?? null } },
    ctx.tenantId,
  );
}
