export { type ServiceDeps, type TenantContext, tenantContext } from './context.js';
export { enqueueAfterCommit, runServiceEffect, type ServiceEffect } from './effects.js';
