import type { EntityManager } from '@mikro-orm/postgresql';
import { isUuid } from '../db/ids.js';
import { Tenant } from './tenant.entity.js';

/** The internal id behind a tenant's public uuid (global unit of work); null when none has it. */
export async function tenantIdByUuid(em: EntityManager, uuid: string): Promise<number | null> {
  if (!isUuid(uuid)) return null;
  const tenant = await em.findOne(Tenant, { tenantUuid: uuid }, { fields: ['id'] });
  return tenant?.id ?? null;
}
