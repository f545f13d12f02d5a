export {
  changeMemberRole,
  deactivateMember,
  type ListMembers,
  listMembers,
  type MemberChangeActor,
  type MemberView,
  reactivateMember,
  removeMember,
  setMemberPermissions,
  toMemberView,
  unlockMemberSignIn,
} from './member.service.js';
export {
  activeSeatCount,
  assertMayGrant,
  assertSeatAvailable,
  lockTenantForSeats,
  pendingInvitationCount,
  seatLimitReached,
} from './member-guards.js';
export { ROLES, type Role } from './roles.js';
export { TenantUser, type TenantUserEntity } from './tenant-user.entity.js';
