import { audit } from '../audit/audit.js';
import { validateIpAllowlistChange } from '../auth/ip-allowlist.js';
import { DomainError } from '../errors/domain-error.js';
import { assertFeature } from '../features/features.js';
import type { TenantContext } from '../services/context.js';
import { Tenant } from '../tenants/tenant.entity.js';
import { SETTING_DEFINITIONS, type SettingCategory, type SettingDefinition, settingDefinition } from './definitions.js';
import { TenantSetting, type TenantSettingEntity } from './setting.entity.js';

export interface SettingView {
  category: SettingCategory;
  key: string;
  description: string;
  isSecret: boolean;
  isSet: boolean;
  /** null for secrets (see revealSetting) and for settings never set. */
  value: unknown;
  /** The feature needed to set it, and whether the tenant has it. */
  feature: string | null;
  available: boolean;
  updatedAt: Date | null;
}

export interface SettingAddress {
  category: SettingCategory;
  key: string;
}

/** Secrets are bound to their tenant, category and key: a ciphertext moved elsewhere does not open. */
const boundTo = (tenantId: number, { category, key }: SettingAddress) => `setting:${tenantId}:${category}:${key}`;

function definitionOf(address: SettingAddress): SettingDefinition {
  const definition = settingDefinition(address.category, address.key);
  if (!definition) {
    throw new DomainError('BAD_REQUEST', `Unknown setting ${address.category}.${address.key}`, {
      fields: { key: `Unknown setting in ${address.category}: ${address.key}` },
    });
  }
  return definition;
}

function keyringOf(ctx: TenantContext) {
  const keyring = ctx.deps.settingsKeys;
  if (!keyring) {
    throw new DomainError(
      'PRECONDITION_FAILED',
      'Secret settings are not available: the server has no encryption key',
      {
        details: { reason: 'settings_encryption_unconfigured' },
      },
    );
  }
  return keyring;
}

async function tenantFeatures(ctx: TenantContext) {
  return (await ctx.em.findOneOrFail(Tenant, { id: ctx.tenantId })).features;
}

/** Every defined setting of the tenant (optionally one category), set or not; secrets masked. */
export async function listSettings(
  ctx: TenantContext,
  input: { category?: SettingCategory } = {},
): Promise<SettingView[]> {
  const features = await tenantFeatures(ctx);
  const stored = await ctx.em.find(TenantSetting, {
    tenant: ctx.tenantId,
    ...(input.category ? { category: input.category } : {}),
  });
  const byAddress = new Map(stored.map((row) => [`${row.category}.${row.key}`, row]));
  const categories = input.category ? [input.category] : (Object.keys(SETTING_DEFINITIONS) as SettingCategory[]);
  return categories.flatMap((category) =>
    Object.entries(SETTING_DEFINITIONS[category]).map(([key, definition]) => {
      const row = byAddress.get(`${category}.${key}`);
      return {
        category,
        key,
        description: definition.description,
        isSecret: definition.secret === true,
        isSet: row !== undefined,
        value: row && !definition.secret ? row.value : null,
        feature: definition.feature ?? null,
        available: definition.feature ? features[definition.feature] === true : true,
        updatedAt: row?.updatedAt ?? null,
      };
    }),
  );
}

const REDACTED = '[secret]';

/** Sets one setting after validating it against its schema; secrets are encrypted before storage. */
export async function setSetting(ctx: TenantContext, input: SettingAddress & { value: unknown }): Promise<SettingView> {
  const definition = definitionOf(input);
  if (definition.feature) assertFeature(await tenantFeatures(ctx), definition.feature);
  const parsed = definition.schema.safeParse(input.value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = ['value', ...(issue?.path ?? [])].join('.');
    throw new DomainError('BAD_REQUEST', `Invalid value for ${input.category}.${input.key}`, {
      fields: { [path]: issue?.message ?? 'is invalid' },
    });
  }
  let stored: unknown = parsed.data;
  if (input.category === 'security' && input.key === 'ipAllowlist') {
    // Normalised CIDRs, and never a list that would shut out the member saving it.
    stored = validateIpAllowlistChange(parsed.data as string[], ctx.actor.ipAddress ?? null);
  }
  let encryptionKeyId: string | null = null;
  if (definition.secret) {
    if (typeof parsed.data !== 'string') throw new Error('secret settings hold strings');
    const sealed = keyringOf(ctx).seal(parsed.data, boundTo(ctx.tenantId, input));
    stored = sealed.sealed;
    encryptionKeyId = sealed.keyId;
  }
  const existing = await ctx.em.findOne(TenantSetting, {
    tenant: ctx.tenantId,
    category: input.category,
    key: input.key,
  });
  const before = existing ? (definition.secret ? REDACTED : existing.value) : null;
  const values = {
    value: stored,
    isEncrypted: definition.secret === true,
    encryptionKeyId,
    updatedBy: ctx.actor.userId,
  };
  if (existing) ctx.em.assign(existing, values);
  else ctx.em.create(TenantSetting, { tenant: ctx.tenantId, category: input.category, key: input.key, ...values });
  await ctx.em.flush();
  const after = definition.secret ? REDACTED : stored;
  audit(ctx, {
    action: 'setting.updated',
    resourceType: 'setting',
    resourceId: `${input.category}.${input.key}`,
    details: { before: { value: before }, after: { value: after } },
  });
  afterSettingChange(ctx, input.category);
  return viewOne(ctx, input);
}

/** Removes a setting, so its default applies again. */
export async function deleteSetting(ctx: TenantContext, input: SettingAddress): Promise<SettingView> {
  const definition = definitionOf(input);
  const existing = await ctx.em.findOne(TenantSetting, {
    tenant: ctx.tenantId,
    category: input.category,
    key: input.key,
  });
  if (!existing) throw new DomainError('NOT_FOUND', `${input.category}.${input.key} is not set`);
  ctx.em.remove(existing);
  await ctx.em.flush();
  audit(ctx, {
    action: 'setting.deleted',
    resourceType: 'setting',
    resourceId: `${input.category}.${input.key}`,
    details: { before: { value: definition.secret ? REDACTED : existing.value }, after: { value: null } },
  });
  afterSettingChange(ctx, input.category);
  return viewOne(ctx, input);
}

/** The clear value of a secret setting, for an admin who asks explicitly; the reveal is audited. */
export async function revealSetting(ctx: TenantContext, input: SettingAddress): Promise<{ value: string }> {
  const definition = definitionOf(input);
  if (!definition.secret) {
    throw new DomainError('BAD_REQUEST', `${input.category}.${input.key} is not a secret; read it with the list`, {
      fields: { key: 'not a secret setting' },
    });
  }
  const row = await ctx.em.findOne(TenantSetting, { tenant: ctx.tenantId, category: input.category, key: input.key });
  if (!row) throw new DomainError('NOT_FOUND', `${input.category}.${input.key} is not set`);
  const value = openSecret(ctx, row, input);
  audit(ctx, { action: 'setting.revealed', resourceType: 'setting', resourceId: `${input.category}.${input.key}` });
  return { value };
}

function openSecret(ctx: TenantContext, row: TenantSettingEntity, address: SettingAddress): string {
  if (!row.isEncrypted || !row.encryptionKeyId || typeof row.value !== 'string') {
    throw new Error(`secret setting ${address.category}.${address.key} is not stored encrypted`);
  }
  return keyringOf(ctx).open(row.encryptionKeyId, row.value, boundTo(ctx.tenantId, address));
}

function afterSettingChange(ctx: TenantContext, category: SettingCategory): void {
  // The request path enforces security settings from cached tenant facts.
  if (category === 'security') ctx.invalidateTenantFacts();
  ctx.publish('tenant.changed', { change: 'settings', category });
}

async function viewOne(ctx: TenantContext, address: SettingAddress): Promise<SettingView> {
  const views = await listSettings(ctx, { category: address.category });
  return views.find((view) => view.key === address.key) as SettingView;
}
