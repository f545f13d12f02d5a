export { ROLES, type Role } from './roles.js';
export { TenantUser, type TenantUserEntity } from './tenant-user.entity.js';
