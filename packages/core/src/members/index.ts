export { ROLES, type Role } from './roles.js';
export { type PermissionOverrides, TenantUser, type TenantUserEntity } from './tenant-user.entity.js';
