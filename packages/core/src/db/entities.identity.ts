/** Entities added for issue 3 (identity and access). Tenant-scoped unless listed as global. */
export const IDENTITY_ENTITIES = {
  global: [] as const,
  tenantScoped: [] as const,
};
