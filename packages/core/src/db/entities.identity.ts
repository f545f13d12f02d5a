import type { EntitySchema } from '@mikro-orm/core';
import { ApiKey } from '../auth/api-key.entity.js';
import { AuthSession } from '../auth/session.entity.js';

/** Entities added for issue 3 (identity and access). Tenant-scoped unless listed as global. */
export const IDENTITY_ENTITIES = {
  global: [] as const,
  // Widened so the registry can merge it with the other domains' lists.
  tenantScoped: [AuthSession, ApiKey] as readonly EntitySchema[],
};
