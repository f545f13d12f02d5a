export { TenantInvitation, type TenantInvitationEntity } from './invitation.entity.js';
