import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { RateLimiterRedis, type RateLimiterRes } from 'rate-limiter-flexible';

export interface SignInThrottleOptions {
  /** Failures of one account from one address within an hour that lock that pair out (at least 2). */
  maxFailures: number;
  lockoutSeconds: number;
}

export const SIGN_IN_THROTTLE_DEFAULTS: SignInThrottleOptions = { maxFailures: 5, lockoutSeconds: 15 * 60 };

const HOUR_SECONDS = 3600;

/** rate-limiter-flexible rejects with its result when over the limit, and with an Error when Redis fails. */
function overLimit(reason: unknown): RateLimiterRes {
  if (reason instanceof Error) throw reason;
  return reason as RateLimiterRes;
}

/**
 * Failed sign-ins (and MFA codes) counted in Redis, three ways:
 * - per account and address: the tight limit, reset by a success. An attacker elsewhere cannot
 *   lock the owner out through it, because the owner's address is another key;
 * - per address: one address guessing at many accounts;
 * - per account from any address: a distributed guess at one account. Its limit is several times
 *   the tight one and its lockout is temporary, so the worst an attacker achieves is a pause.
 */
export class SignInThrottle {
  private readonly perAccountAddress: RateLimiterRedis;
  private readonly perAccount: RateLimiterRedis;
  private readonly perAddress: RateLimiterRedis;
  private readonly resetEmailsPerAccount: RateLimiterRedis;
  private readonly resetRequestsPerAddress: RateLimiterRedis;

  constructor(redis: Redis, prefix: string, options: SignInThrottleOptions = SIGN_IN_THROTTLE_DEFAULTS) {
    // The failure that reaches the limit goes over `points` and so starts the lockout.
    const limiter = (name: string, failures: number) =>
      new RateLimiterRedis({
        storeClient: redis,
        keyPrefix: `${prefix}:signin-${name}`,
        points: failures - 1,
        duration: HOUR_SECONDS,
        blockDuration: options.lockoutSeconds,
      });
    this.perAccountAddress = limiter('account-address', options.maxFailures);
    this.perAccount = limiter('account', options.maxFailures * 4);
    this.perAddress = limiter('address', options.maxFailures * 20);
    const hourly = (name: string, points: number) =>
      new RateLimiterRedis({ storeClient: redis, keyPrefix: `${prefix}:${name}`, points, duration: HOUR_SECONDS });
    this.resetEmailsPerAccount = hourly('reset-emails', 3);
    this.resetRequestsPerAddress = hourly('reset-requests', options.maxFailures * 4);
  }

  /**
   * Password-reset requests: an address asking too often is told to wait; an account gets at most
   * a few emails an hour, beyond which requests are quietly dropped (the answer never differs, so
   * it reveals nothing about the account).
   */
  async passwordResetRequest(email: string, address: string | null): Promise<'send' | 'drop' | number> {
    const keys = this.keys(email, address);
    const refusal = await this.resetRequestsPerAddress.consume(keys.address).then(() => null, overLimit);
    if (refusal) return Math.max(1, Math.ceil(refusal.msBeforeNext / 1000));
    const byAccount = await this.resetEmailsPerAccount.consume(keys.account).then(() => true, overLimit);
    return byAccount === true ? 'send' : 'drop';
  }

  /** Seconds until sign-in may be tried again for this account from this address; 0 = allowed. */
  async retryAfterSeconds(email: string, address: string | null): Promise<number> {
    const keys = this.keys(email, address);
    const states = await Promise.all([
      this.perAccountAddress.get(keys.accountAddress),
      this.perAccount.get(keys.account),
      this.perAddress.get(keys.address),
    ]);
    const limits = [this.perAccountAddress.points, this.perAccount.points, this.perAddress.points];
    let wait = 0;
    states.forEach((state: RateLimiterRes | null, i) => {
      if (state && state.consumedPoints > (limits[i] ?? 0)) wait = Math.max(wait, state.msBeforeNext);
    });
    return Math.ceil(wait / 1000);
  }

  async recordFailure(email: string, address: string | null): Promise<void> {
    const keys = this.keys(email, address);
    // A limiter over its points rejects the consume; the count (and block) is what matters here.
    await Promise.allSettled([
      this.perAccountAddress.consume(keys.accountAddress),
      this.perAccount.consume(keys.account),
      this.perAddress.consume(keys.address),
    ]);
  }

  /** A success forgives this pair's failures; the account- and address-wide counts stand. */
  async recordSuccess(email: string, address: string | null): Promise<void> {
    await this.perAccountAddress.delete(this.keys(email, address).accountAddress);
  }

  private keys(email: string, address: string | null) {
    // Hashed so Redis holds no email addresses.
    const account = createHash('sha256').update(email.trim().toLowerCase()).digest('hex').slice(0, 32);
    const from = address ?? 'unknown';
    return { account, address: from, accountAddress: `${account}:${from}` };
  }
}
