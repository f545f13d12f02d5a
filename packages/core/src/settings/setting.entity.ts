import { defineEntity, type InferEntity } from '@mikro-orm/core';
import { uuidv7 } from '../db/ids.js';
import { tenantFilter } from '../db/tenant-scope.js';
import { Tenant } from '../tenants/tenant.entity.js';
import { User } from '../users/user.entity.js';

export const SETTING_CATEGORIES = ['general', 'security', 'notifications', 'branding'] as const;

/** A categorized key/value setting; secret values are stored encrypted with the id of their key. */
export const TenantSetting = defineEntity({
  name: 'TenantSetting',
  tableName: 'tenant_settings',
  filters: tenantFilter,
  properties: (p) => ({
    tenant: p.manyToOne(Tenant).primary(),
    id: p
      .uuid()
      .primary()
      .onCreate(() => uuidv7()),
    category: p.enum([...SETTING_CATEGORIES]),
    key: p.string().length(100),
    value: p.json<unknown>(),
    isEncrypted: p.boolean().default(false),
    encryptionKeyId: p.string().length(50).nullable(),
    updatedBy: p.manyToOne(User).fieldName('updated_by_user_id').nullable().deleteRule('set null'),
    createdAt: p
      .datetime()
      .defaultRaw('now()')
      .onCreate(() => new Date()),
    updatedAt: p
      .datetime()
      .defaultRaw('now()')
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
  }),
  uniques: [{ properties: ['tenant', 'category', 'key'] }],
});

export type TenantSettingEntity = InferEntity<typeof TenantSetting>;
