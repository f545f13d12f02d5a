import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';

/** What a password sign-in left to finish: prove a second factor, or enrol one first. */
export interface MfaChallenge {
  userId: string;
  tenantId: number;
  /** The tenant's public uuid, as the MFA-pending token names it. */
  tenantUuid: string;
  purpose: 'verify' | 'enrol';
}

export const MFA_CHALLENGE_TTL_SECONDS = 5 * 60;
/** Wrong codes allowed per challenge; then the password step has to be repeated. */
export const MFA_CHALLENGE_MAX_ATTEMPTS = 5;

/**
 * Pending second steps of sign-in, in Redis. The MFA-pending token names a challenge; finishing
 * deletes it, so a pending token works once.
 */
export class MfaChallenges {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private key(id: string): string {
    return `${this.prefix}:mfa-challenge:${id}`;
  }

  async create(challenge: MfaChallenge): Promise<string> {
    const id = randomBytes(16).toString('hex');
    await this.redis
      .multi()
      .hset(this.key(id), {
        userId: challenge.userId,
        tenantId: String(challenge.tenantId),
        tenantUuid: challenge.tenantUuid,
        purpose: challenge.purpose,
        attempts: '0',
      })
      .expire(this.key(id), MFA_CHALLENGE_TTL_SECONDS)
      .exec();
    return id;
  }

  async get(id: string): Promise<MfaChallenge | null> {
    const fields = await this.redis.hgetall(this.key(id));
    if (!fields.userId || !fields.tenantId || !fields.tenantUuid || !fields.purpose) return null;
    if (Number(fields.attempts ?? 0) >= MFA_CHALLENGE_MAX_ATTEMPTS) return null;
    return {
      userId: fields.userId,
      tenantId: Number(fields.tenantId),
      tenantUuid: fields.tenantUuid,
      purpose: fields.purpose as MfaChallenge['purpose'],
    };
  }

  async recordFailure(id: string): Promise<void> {
    await this.redis.hincrby(this.key(id), 'attempts', 1);
  }

  /** True for exactly one caller: the one that finished the challenge. */
  async consume(id: string): Promise<boolean> {
    return (await this.redis.del(this.key(id))) === 1;
  }
}
