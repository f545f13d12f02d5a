import { DomainError } from '../errors/domain-error.js';
import type { ApiKeyUsage } from './api-key-usage.js';
import type { MfaChallenges } from './mfa-challenges.js';
import type { SecretBox } from './secret-box.js';
import type { SessionDeps } from './sessions.js';
import type { SignInThrottle } from './sign-in-throttle.js';

/** Everything the sign-in, MFA and account flows need; built once per api process. */
export interface IdentityDeps extends SessionDeps {
  throttle: SignInThrottle;
  /** Encrypts TOTP secrets at rest; null when no key is configured, which refuses MFA (see requireSecretBox). */
  secretBox: SecretBox | null;
  mfaChallenges: MfaChallenges;
  apiKeyUsage: ApiKeyUsage;
}

/** MFA needs the encryption key; without one it is refused rather than stored in the clear. */
export function requireSecretBox(identity: IdentityDeps): SecretBox {
  if (!identity.secretBox) {
    throw new DomainError('PRECONDITION_FAILED', 'Two-factor authentication is not configured on this server', {
      details: { reason: 'mfa_not_configured', variable: 'MFA_ENCRYPTION_KEY' },
    });
  }
  return identity.secretBox;
}
