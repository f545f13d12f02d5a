/** Entities added for issue 4 (tenant administration). Tenant-scoped unless listed as global. */
export const ADMINISTRATION_ENTITIES = {
  global: [] as const,
  tenantScoped: [] as const,
};
