export {
  ACCESS_TOKEN_AUDIENCE,
  type AccessClaims,
  AccessTokens,
  InvalidTokenError,
  type TokenType,
} from './access-token.js';
export { ApiKey, type ApiKeyEntity } from './api-key.entity.js';
export {
  type ApiKeyParts,
  generateApiKey,
  hashSecret,
  isApiKeyToken,
  parseApiKey,
  secretMatches,
} from './api-key-token.js';
export { type ApiKeyLastUse, ApiKeyUsage } from './api-key-usage.js';
export {
  type ApiKeyRevocationReason,
  type ApiKeySummary,
  createApiKey,
  listApiKeys,
  revokeApiKey,
  revokeKeysCreatedBy,
} from './api-keys.js';
export { CredentialStore } from './credential-store.js';
export {
  type ApiKeyRecord,
  apiKeyKey,
  type CredentialRecord,
  memberSessionsKey,
  type SessionRecord,
  sessionKey,
  unprovenCredential,
} from './credentials.js';
export type { IdentityDeps } from './identity.js';
export { isAddressAllowed, normalizeCidr, validateIpAllowlistChange } from './ip-allowlist.js';
export {
  beginMfaEnrolment,
  confirmMfaEnrolment,
  disableMfa,
  type MfaEnrolment,
  type MfaStatus,
  mfaStatus,
  regenerateRecoveryCodes,
} from './mfa.js';
export { MFA_CHALLENGE_TTL_SECONDS, MfaChallenges } from './mfa-challenges.js';
export {
  effectivePermissions,
  isPermission,
  PERMISSIONS,
  type Permission,
  type PermissionOverrides,
  ROLE_PERMISSIONS,
} from './permissions.js';
export { parseRefreshToken } from './refresh-token.js';
export { SecretBox } from './secret-box.js';
export { AuthSession, type AuthSessionEntity } from './session.entity.js';
export {
  assertMayManageSessionsOf,
  endMemberSessions,
  forEachMembershipTenant,
  type IssuedSession,
  issueSession,
  listMemberSessions,
  refreshMemberSessions,
  revokeSession,
  rotateRefreshToken,
  type SessionDeps,
  type SessionEndReason,
  type SessionSummary,
} from './sessions.js';
export {
  beginRequiredEnrolment,
  confirmRequiredEnrolment,
  type SignInOutcome,
  signIn,
  switchTenant,
  verifyMfaSignIn,
} from './sign-in.js';
export {
  clearSignInThrottle,
  SIGN_IN_THROTTLE_DEFAULTS,
  SignInThrottle,
  type SignInThrottleOptions,
  throttleAccountOf,
} from './sign-in-throttle.js';
export { assertTenantAdmits, tenantStandingProblem } from './tenant-standing.js';
export { hashRecoveryCode, totpCode } from './totp.js';
