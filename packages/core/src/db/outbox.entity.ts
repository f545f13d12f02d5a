import { defineEntity } from '@mikro-orm/core';

/**
 * The outbox tables, declared so the schema check knows them; they are read and written with plain
 * SQL by outbox.ts only. tenant_id carries no foreign key: the kernel knows no domain table.
 */
export const TenantOutboxRow = defineEntity({
  name: 'TenantOutboxRow',
  tableName: 'tenant_outbox',
  properties: (p) => ({
    tenantId: p.integer().primary(),
    id: p.uuid().primary(),
    kind: p.string().length(100),
    payload: p.json<unknown>(),
    createdAt: p.datetime().defaultRaw('now()'),
    attempts: p.integer().default(0),
    nextAttemptAt: p.datetime(),
    lastError: p.text().nullable(),
  }),
  indexes: [{ name: 'tenant_outbox_due_index', properties: ['nextAttemptAt', 'tenantId'] }],
});

/** Effects of global units of work (account mail such as password resets). */
export const GlobalOutboxRow = defineEntity({
  name: 'GlobalOutboxRow',
  tableName: 'global_outbox',
  properties: (p) => ({
    id: p.uuid().primary(),
    kind: p.string().length(100),
    payload: p.json<unknown>(),
    createdAt: p.datetime().defaultRaw('now()'),
    attempts: p.integer().default(0),
    nextAttemptAt: p.datetime(),
    lastError: p.text().nullable(),
  }),
  indexes: [{ name: 'global_outbox_due_index', properties: ['nextAttemptAt'] }],
});
