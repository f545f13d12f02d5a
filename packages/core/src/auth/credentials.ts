import { DomainError } from '../errors/domain-error.js';
import type { Role } from '../members/roles.js';
import type { Permission } from './permissions.js';

/**
 * What Redis holds per live credential, so the request path learns "still valid, as whom, with
 * which permissions" in the same round trip as rate limiting — no PostgreSQL read per request.
 * PostgreSQL stays the source of truth; these records are written and deleted alongside it.
 */
export interface SessionRecord {
  kind: 'session';
  tenantId: number;
  userId: string;
  role: Role;
  permissions: Permission[];
  /** Platform operators may act on other tenants through audited operator procedures. */
  platformOperator: boolean;
  /** Absolute end of the session (epoch ms); the idle timeout is the key's TTL. */
  expiresAt: number;
}

export interface ApiKeyRecord {
  kind: 'api_key';
  tenantId: number;
  keyId: string;
  /** sha256 of the secret part, hex; compared in constant time. */
  secretHash: string;
  /** The permissions the key may use: a subset of its creator's at creation time. */
  scopes: Permission[];
  /** Epoch ms, or null for no expiry. */
  expiresAt: number | null;
  createdByUserId: string | null;
}

export type CredentialRecord = SessionRecord | ApiKeyRecord;

export function sessionKey(prefix: string, sessionId: string): string {
  return `${prefix}:sess:${sessionId}`;
}

export function apiKeyKey(prefix: string, keyId: string): string {
  return `${prefix}:apikey:${keyId}`;
}

/** Index of a member's live sessions, so role changes and removals reach every one of them. */
export function memberSessionsKey(prefix: string, tenantId: number, userId: string): string {
  return `${prefix}:member-sess:${tenantId}:${userId}`;
}

/**
 * Left behind by a revocation: a session or key with a tombstone is never written back, so a
 * refresh racing the revocation, or a creation relayed late from the outbox, cannot revive it.
 */
export function revokedCredentialKey(credentialKey: string): string {
  return `${credentialKey}:revoked`;
}

/**
 * The one answer to every credential that is not proven — forged, unknown, revoked, ended or
 * expired access tokens, API keys and refresh tokens, naming any tenant or none. It must not
 * differ by anything the credential names, or an anonymous caller learns which tenants, keys and
 * sessions exist and in what state they are.
 */
export function unprovenCredential(): DomainError {
  return new DomainError('UNAUTHORIZED', 'Invalid or expired credential', {
    details: { reason: 'invalid_credential' },
  });
}
