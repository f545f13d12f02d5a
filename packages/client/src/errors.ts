import { TRPCClientError } from '@trpc/client';
import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from './router.js';

type Outputs = inferRouterOutputs<AppRouter>;
type TierInfo = Outputs['system']['tiers']['tiers'][number];

/** Subscription tiers, cheapest first: `basic`, `professional`, `enterprise`. */
export type Tier = TierInfo['name'];
/** Features a tier may include, e.g. `api_access`, `audit_logs`. */
export type Feature = keyof TierInfo['features'];
/** Permissions of roles and API-key scopes, e.g. `users.read`. */
export type Permission = inferRouterInputs<AppRouter>['apiKeys']['create']['scopes'][number];

/**
 * Every `details.reason` the api sends with a refusal, and the facts that come with it. The api
 * guide (docs/api.md) lists the code and status of each.
 */
export interface ErrorReasons {
  /** The role, member grants or API-key scopes lack `permission`. */
  missing_permission: { permission: Permission };
  /** The subscription lacks `feature`; `requiredTier` is the cheapest tier that has it. */
  feature_not_available: { feature: Feature; featureLabel: string; requiredTier: Tier };
  /** The tenant's hourly API-call limit is used up until `resetAt` (ISO 8601). */
  rate_limited: { limit: number; resetAt: string };
  /** The token or API key is not valid now (forged, unknown, revoked, ended or expired): sign in again. */
  invalid_credential: Record<never, never>;
  /** Too many failed sign-ins of this account from this address. */
  sign_in_throttled: { retryAfterSeconds: number };
  /** Too many organizations created from this address this hour. */
  signup_rate_limited: { retryAfterSeconds: number };
  /** PostgreSQL or Redis cannot be reached; nothing was done. Retry after the Retry-After header. */
  dependency_unavailable: { dependency: 'postgres' | 'redis' };
  /** Self-serve sign-up is closed; a platform operator creates organizations. */
  self_serve_closed: Record<never, never>;
  /** The tenant is suspended. */
  tenant_suspended: Record<never, never>;
  /** The caller's address is outside the tenant's IP allowlist. */
  ip_not_allowed: Record<never, never>;
  /** The allowlist being saved would lock out the caller's own `address`. */
  allowlist_excludes_caller: { address: string | null };
  /** Platform operators only. */
  not_an_operator: Record<never, never>;
  /** An operator may not suspend their own organization. */
  own_organization: Record<never, never>;
  /** A signed-in session is needed (an API key cannot do this). */
  session_required: Record<never, never>;
  /** A second factor is required first (enrol in MFA, or keep it on). */
  mfa_required: Record<never, never>;
  /** MFA is not configured on this server (`variable` unset). */
  mfa_not_configured: { variable: string };
  /** Secret settings are not configured on this server. */
  settings_encryption_unconfigured: Record<never, never>;
  /** An API key may not hold permissions its creator lacks. */
  scope_exceeds_creator: { scopes: Permission[] };
  /** One may not grant permissions one lacks. */
  exceeds_own_permissions: { permissions: Permission[] };
  /** Every seat of the tier is taken (`limit` null: unlimited). */
  seat_limit_reached: { limit: number | null; used: number };
  /** The organization would be left without an active admin. */
  last_admin: Record<never, never>;
  /** The organization uses more than `tier` allows; `problems` say what to change. */
  plan_does_not_fit: { tier: Tier; problems: { limit: string; current: number; allowed: number; fix: string }[] };
  /** The tier is set by a contract; an operator changes it. */
  contract_tier: { tier: Tier };
  /** Already on this tier. */
  same_tier: Record<never, never>;
  /** The invoice is already paid. */
  invoice_paid: Record<never, never>;
  /** The organization is scheduled for deletion on `deleteAt` and is read-only until then. */
  tenant_offboarding: { deleteAt: string };
  /** The organization is already scheduled for deletion. */
  deletion_already_scheduled: { deleteAt: string };
  /** The organization is not scheduled for deletion. */
  deletion_not_scheduled: Record<never, never>;
  /** The deletion has started and can no longer be cancelled. */
  deletion_under_way: Record<never, never>;
  /** The address is already a member. */
  already_member: { memberId?: string };
  /** An open invitation for the address exists. */
  already_invited: { invitationId: string };
  /** The invitation was accepted already. */
  invitation_used: Record<never, never>;
  /** The invitation was revoked. */
  invitation_revoked: Record<never, never>;
  /** The invitation expired at `expiredAt`. */
  invitation_expired: { expiredAt: string };
  /** No invitation has this token. */
  invitation_unknown: Record<never, never>;
  /** Needs a member behind the credential (support tickets, own data exports and erasure). */
  member_required: Record<never, never>;
  /** The export download link is forged, or its member may no longer download the export. */
  invalid_download_link: Record<never, never>;
  /** The export download link is past its 15 minutes. */
  download_link_expired: Record<never, never>;
  /** An export of the same kind is being built. */
  export_in_progress: { exportId: string };
  /** The export is not ready yet. */
  export_not_ready: { status: string };
  /** The export archive has expired; request a new one. */
  export_expired: Record<never, never>;
  /** An export archive is damaged or not an export. */
  invalid_archive: Record<never, never>;
  /** An export archive is of a format version this server does not read. */
  unsupported_archive_version: { formatVersion: unknown };
  /** Only the person who opened a ticket rates it. */
  not_the_opener: Record<never, never>;
  /** The ticket is resolved; open a new one. */
  ticket_resolved: Record<never, never>;
  /** The upload does not fit the storage quota. */
  storage_quota_exceeded: { requestedBytes: number; availableBytes: number; usedBytes: number; limitBytes: number };
  /** One file may hold at most `maxBytes` bytes. */
  file_too_large: { maxBytes: number };
  /** A ticket is rated once it is resolved. */
  ticket_not_resolved: Record<never, never>;
  /** The signed-in user is not the invited address. */
  invitation_email_mismatch: Record<never, never>;
  /** The invited address has an account: sign in to accept. */
  sign_in_required: Record<never, never>;
  /** A restore archive may hold at most `maxBytes`. */
  archive_too_large: { maxBytes: number };
  /** The archive holds a table or column this deployment does not have. */
  incompatible_schema: Record<never, never>;
  /** A personal export cannot be restored. */
  personal_archive: Record<never, never>;
}

export type ErrorReason = keyof ErrorReasons;

/** Every reason, at run time (the compiler keeps this list and ErrorReasons the same). */
const REASONS: Record<ErrorReason, true> = {
  missing_permission: true,
  feature_not_available: true,
  rate_limited: true,
  invalid_credential: true,
  sign_in_throttled: true,
  signup_rate_limited: true,
  dependency_unavailable: true,
  self_serve_closed: true,
  tenant_suspended: true,
  ip_not_allowed: true,
  allowlist_excludes_caller: true,
  not_an_operator: true,
  own_organization: true,
  session_required: true,
  mfa_required: true,
  mfa_not_configured: true,
  settings_encryption_unconfigured: true,
  scope_exceeds_creator: true,
  exceeds_own_permissions: true,
  seat_limit_reached: true,
  last_admin: true,
  plan_does_not_fit: true,
  contract_tier: true,
  same_tier: true,
  invoice_paid: true,
  tenant_offboarding: true,
  deletion_already_scheduled: true,
  deletion_not_scheduled: true,
  deletion_under_way: true,
  already_member: true,
  already_invited: true,
  invitation_used: true,
  invitation_revoked: true,
  invitation_expired: true,
  invitation_unknown: true,
  invitation_email_mismatch: true,
  sign_in_required: true,
  member_required: true,
  invalid_download_link: true,
  download_link_expired: true,
  export_in_progress: true,
  export_not_ready: true,
  export_expired: true,
  invalid_archive: true,
  unsupported_archive_version: true,
  not_the_opener: true,
  ticket_resolved: true,
  ticket_not_resolved: true,
  storage_quota_exceeded: true,
  file_too_large: true,
  archive_too_large: true,
  incompatible_schema: true,
  personal_archive: true,
};
export const ERROR_REASONS = Object.keys(REASONS) as ErrorReason[];

/** `details` of a refusal: a union discriminated by `reason`. */
export type ErrorDetails = { [R in ErrorReason]: { reason: R } & ErrorReasons[R] }[ErrorReason];

/** An error thrown by the client's calls; `data.code` is the tRPC code, `data.fields` the field messages. */
export type DigameClientError = TRPCClientError<AppRouter>;

export function isDigameError(error: unknown): error is DigameClientError {
  return error instanceof TRPCClientError;
}

/** The typed `details` of a refusal, or null when it carries none (or `error` is not the api's). */
export function errorDetails(error: unknown): ErrorDetails | null {
  if (!isDigameError(error)) return null;
  const details = error.data?.details;
  return details && typeof details.reason === 'string' ? (details as ErrorDetails) : null;
}

/**
 * The details of a refusal with this reason, else null:
 * `refusal(error, 'feature_not_available')?.requiredTier`.
 */
export function refusal<R extends ErrorReason>(error: unknown, reason: R): Extract<ErrorDetails, { reason: R }> | null {
  const details = errorDetails(error);
  return details?.reason === reason ? (details as Extract<ErrorDetails, { reason: R }>) : null;
}

/** Field messages of a BAD_REQUEST, keyed by input path (`settings.timezone`), or {}. */
export function fieldErrors(error: unknown): Record<string, string> {
  return (isDigameError(error) && error.data?.fields) || {};
}
