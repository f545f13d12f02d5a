export {
  ACCESS_TOKEN_AUDIENCE,
  type AccessClaims,
  AccessTokens,
  InvalidTokenError,
  type TokenType,
} from './access-token.js';
export {
  type ApiKeyParts,
  generateApiKey,
  hashSecret,
  isApiKeyToken,
  parseApiKey,
  secretMatches,
} from './api-key-token.js';
export {
  type ApiKeyRecord,
  apiKeyKey,
  type CredentialRecord,
  memberSessionsKey,
  type SessionRecord,
  sessionKey,
} from './credentials.js';
export {
  effectivePermissions,
  isPermission,
  PERMISSIONS,
  type Permission,
  type PermissionOverrides,
  ROLE_PERMISSIONS,
} from './permissions.js';
