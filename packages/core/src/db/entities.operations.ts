/** Entities added for issue 5 (workers and realtime). Tenant-scoped unless listed as global. */
export const OPERATIONS_ENTITIES = {
  global: [] as const,
  tenantScoped: [] as const,
};
