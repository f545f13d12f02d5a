import type { DomainErrorCode } from '@digame/core/errors';

/**
 * Every `details.reason` a refusal can carry, with its error code: the catalogue behind the OpenAPI
 * document, the typed reasons of @digame/client and the api guide (docs/api.md). A test keeps it
 * equal to the reasons the server's code actually throws.
 */
export const ERROR_REASONS = {
  missing_permission: { code: 'FORBIDDEN', summary: 'The role, member grants or API-key scopes lack `permission`.' },
  feature_not_available: {
    code: 'FORBIDDEN',
    summary: 'The subscription lacks `feature`; `requiredTier` is the cheapest tier that has it.',
  },
  tenant_suspended: { code: 'FORBIDDEN', summary: 'The organization is suspended.' },
  ip_not_allowed: { code: 'FORBIDDEN', summary: "The caller's address is not on the organization's IP allowlist." },
  not_an_operator: { code: 'FORBIDDEN', summary: 'Only platform operators may do this.' },
  session_required: { code: 'FORBIDDEN', summary: 'Needs a signed-in session; an API key cannot do this.' },
  self_serve_closed: {
    code: 'FORBIDDEN',
    summary: 'Self-serve sign-up is closed; a platform operator creates organizations.',
  },
  scope_exceeds_creator: { code: 'FORBIDDEN', summary: 'An API key may not get `scopes` its creator lacks.' },
  exceeds_own_permissions: { code: 'FORBIDDEN', summary: 'Nobody may grant `permissions` they lack themselves.' },
  contract_tier: { code: 'FORBIDDEN', summary: 'The tier is set by a contract; a platform operator changes it.' },
  member_required: {
    code: 'FORBIDDEN',
    summary: 'Needs a member behind the credential (support tickets, own data exports and erasure).',
  },
  invalid_download_link: {
    code: 'FORBIDDEN',
    summary: 'The export download link is forged, or its member may no longer download the export.',
  },
  download_link_expired: { code: 'FORBIDDEN', summary: 'The export download link is past its 15 minutes.' },
  not_the_opener: { code: 'FORBIDDEN', summary: 'Only the person who opened a ticket rates it.' },
  invitation_email_mismatch: { code: 'FORBIDDEN', summary: 'The signed-in user is not the invited address.' },
  invalid_credential: {
    code: 'UNAUTHORIZED',
    summary: 'The token or API key is not valid now (forged, unknown, revoked, ended or expired); one answer for all.',
  },
  sign_in_required: { code: 'UNAUTHORIZED', summary: 'The invited address has an account: sign in to accept.' },
  invitation_unknown: { code: 'NOT_FOUND', summary: 'No invitation has this token.' },
  already_member: { code: 'CONFLICT', summary: 'The address is already a member.' },
  already_invited: { code: 'CONFLICT', summary: 'An open invitation for the address exists (`invitationId`).' },
  invitation_used: { code: 'CONFLICT', summary: 'The invitation was accepted already.' },
  invitation_revoked: { code: 'CONFLICT', summary: 'The invitation was revoked (PRECONDITION_FAILED when accepting).' },
  same_tier: { code: 'CONFLICT', summary: 'The organization is on this tier already.' },
  invoice_paid: { code: 'CONFLICT', summary: 'The invoice is paid already.' },
  export_in_progress: { code: 'CONFLICT', summary: 'An export of the same kind is being built (`exportId`).' },
  deletion_already_scheduled: {
    code: 'CONFLICT',
    summary: 'The organization is already scheduled for deletion (`deleteAt`).',
  },
  seat_limit_reached: { code: 'PRECONDITION_FAILED', summary: 'Every seat of the tier is taken (`limit`, `used`).' },
  last_admin: { code: 'PRECONDITION_FAILED', summary: 'The organization would be left without an active admin.' },
  plan_does_not_fit: {
    code: 'PRECONDITION_FAILED',
    summary: 'The organization uses more than `tier` allows; `problems` say what to change.',
  },
  ticket_resolved: { code: 'PRECONDITION_FAILED', summary: 'The ticket is resolved; open a new one.' },
  export_not_ready: { code: 'PRECONDITION_FAILED', summary: 'The export is not ready yet (`status`).' },
  export_expired: { code: 'PRECONDITION_FAILED', summary: 'The export archive has expired; request a new one.' },
  invalid_archive: { code: 'BAD_REQUEST', summary: 'An export archive is damaged or not an export.' },
  unsupported_archive_version: {
    code: 'BAD_REQUEST',
    summary: 'An export archive is of a format version this server does not read (`formatVersion`).',
  },
  ticket_not_resolved: { code: 'PRECONDITION_FAILED', summary: 'A ticket is rated once it is resolved.' },
  invitation_expired: { code: 'PRECONDITION_FAILED', summary: 'The invitation expired (`expiredAt`).' },
  allowlist_excludes_caller: {
    code: 'PRECONDITION_FAILED',
    summary: "The IP allowlist being saved would lock out the caller's own `address`.",
  },
  own_organization: { code: 'PRECONDITION_FAILED', summary: 'An operator may not suspend their own organization.' },
  tenant_offboarding: {
    code: 'PRECONDITION_FAILED',
    summary: 'The organization is scheduled for deletion on `deleteAt` and is read-only until then.',
  },
  deletion_not_scheduled: { code: 'PRECONDITION_FAILED', summary: 'The organization is not scheduled for deletion.' },
  deletion_under_way: {
    code: 'PRECONDITION_FAILED',
    summary: 'The deletion has started and can no longer be cancelled.',
  },
  mfa_required: { code: 'PRECONDITION_FAILED', summary: 'A second factor is required: enrol in MFA (or keep it on).' },
  mfa_not_configured: { code: 'PRECONDITION_FAILED', summary: 'MFA is not configured on this server (`variable`).' },
  settings_encryption_unconfigured: {
    code: 'PRECONDITION_FAILED',
    summary: 'Secret settings are not configured on this server.',
  },
  archive_too_large: { code: 'PAYLOAD_TOO_LARGE', summary: 'A restore archive may hold at most `maxBytes` (5 GiB).' },
  incompatible_schema: {
    code: 'BAD_REQUEST',
    summary: 'The archive holds a table or column this deployment does not have (written by a newer version).',
  },
  personal_archive: {
    code: 'BAD_REQUEST',
    summary: "A personal export holds one member's data and cannot be restored.",
  },
  rate_limited: {
    code: 'TOO_MANY_REQUESTS',
    summary: "The organization's hourly API-call limit (`limit`) is used up until `resetAt`.",
  },
  storage_quota_exceeded: {
    code: 'PAYLOAD_TOO_LARGE',
    summary:
      'The upload does not fit the storage quota (`requestedBytes`, `availableBytes`, `usedBytes`, `limitBytes`).',
  },
  file_too_large: { code: 'PAYLOAD_TOO_LARGE', summary: 'One file may hold at most `maxBytes` bytes.' },
  sign_in_throttled: {
    code: 'TOO_MANY_REQUESTS',
    summary: 'Too many failed sign-ins of this account from this address (`retryAfterSeconds`).',
  },
  signup_rate_limited: {
    code: 'TOO_MANY_REQUESTS',
    summary: 'Too many organizations created from this address (`retryAfterSeconds`).',
  },
  dependency_unavailable: {
    code: 'SERVICE_UNAVAILABLE',
    summary: '`dependency` (`postgres` or `redis`) cannot be reached; nothing was done, retry after `Retry-After`.',
  },
} as const satisfies Record<string, { code: DomainErrorCode; summary: string }>;

export type ErrorReasonName = keyof typeof ERROR_REASONS;

/** The reasons refusals with this code may carry. */
export function reasonsOf(code: DomainErrorCode): ErrorReasonName[] {
  return (Object.keys(ERROR_REASONS) as ErrorReasonName[]).filter((reason) => ERROR_REASONS[reason].code === code);
}
