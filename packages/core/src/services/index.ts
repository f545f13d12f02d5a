export { type ServiceDeps, type TenantContext, tenantContext } from './context.js';
