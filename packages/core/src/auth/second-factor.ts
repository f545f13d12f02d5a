import type { QueryResult } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { User, type UserEntity } from '../users/user.entity.js';
import type { SecretBox } from './secret-box.js';
import { hashRecoveryCode, looksLikeTotpCode, matchingTotpStep } from './totp.js';

export type SecondFactor = 'totp' | 'recovery_code';

/**
 * Checks a TOTP code or a recovery code of an enrolled user and spends it in the same statement,
 * so two requests racing with one code cannot both pass: a TOTP step is accepted only if it is
 * later than the last accepted one, a recovery code only while it is still in the list.
 */
export async function spendSecondFactor(
  em: EntityManager,
  secretBox: SecretBox,
  user: UserEntity,
  code: string,
  now = new Date(),
): Promise<SecondFactor | null> {
  if (!user.mfaEnabledAt || !user.mfaSecretEncrypted) return null;
  if (looksLikeTotpCode(code)) {
    const secret = secretBox.open(user.mfaSecretEncrypted, user.id);
    const step = matchingTotpStep(secret, code, now.getTime());
    if (step === null) return null;
    const updated = await em.nativeUpdate(
      User,
      { id: user.id, $or: [{ mfaLastUsedStep: null }, { mfaLastUsedStep: { $lt: step } }] },
      { mfaLastUsedStep: step },
    );
    return updated === 1 ? 'totp' : null;
  }
  const hash = hashRecoveryCode(code);
  const result = await em.execute<QueryResult>(
    `update users set mfa_recovery_code_hashes = mfa_recovery_code_hashes - cast(? as text)
      where id = ? and mfa_recovery_code_hashes @> jsonb_build_array(cast(? as text))`,
    [hash, user.id, hash],
    'run',
  );
  return result.affectedRows === 1 ? 'recovery_code' : null;
}
