export {
  changePassword,
  checkPasswordLink,
  getProfile,
  type Profile,
  requestPasswordReset,
  setPasswordWithToken,
  updateProfile,
} from './account.js';
export { type MembershipSummary, membershipsOf } from './memberships.js';
export { hashPassword, needsRehash, PASSWORD_HASH_OPTIONS, verifyPassword } from './password.js';
export {
  assertAcceptablePassword,
  PASSWORD_MAX_LENGTH,
  PASSWORD_MIN_LENGTH,
  passwordProblem,
} from './password-policy.js';
export { PASSWORD_TOKEN_TTL_MS } from './password-tokens.js';
export {
  normalizeEmail,
  PASSWORD_TOKEN_PURPOSES,
  type PasswordTokenPurpose,
  User,
  type UserEntity,
} from './user.entity.js';
export { findOrCreateUser } from './user.service.js';
