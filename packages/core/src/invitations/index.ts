export { TenantInvitation, type TenantInvitationEntity } from './invitation.entity.js';
export {
  type AcceptedInvitation,
  type AcceptInvitation,
  acceptInvitation,
  createInvitation,
  INVITATION_DEFAULT_DAYS,
  type InvitationPreview,
  type InvitationStatus,
  type InvitationView,
  inInvitationTenant,
  listInvitations,
  previewInvitation,
  resendInvitation,
  revokeInvitation,
} from './invitation.service.js';
export { generateInvitationToken, parseInvitationToken } from './invitation-token.js';
