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
/** An address the account signed in from stays known this long after its last success. */
const KNOWN_ADDRESS_SECONDS = 30 * 24 * HOUR_SECONDS;
/** Reset emails one account gets per hour for requests from one address. */
const RESET_EMAILS_PER_ACCOUNT_ADDRESS = 3;
/** Reset emails one account gets per hour for requests from all addresses it never signed in from. */
const RESET_EMAILS_PER_ACCOUNT_FROM_UNKNOWN = 10;

/** rate-limiter-flexible rejects with its result when over the limit, and with an Error when Redis fails. */
function overLimit(reason: unknown): RateLimiterRes {
  if (reason instanceof Error) throw reason;
  return reason as RateLimiterRes;
}

/** The account as the throttle's keys name it: hashed, so Redis holds no email addresses. */
export function throttleAccountOf(email: string): string {
  return createHash('sha256').update(email.trim().toLowerCase()).digest('hex').slice(0, 32);
}

const hashedAddress = (address: string) => createHash('sha256').update(address).digest('hex').slice(0, 32);

/**
 * Failed sign-ins (and MFA codes) and password-reset requests, counted in Redis by the attacker's
 * signal — the address, and the address with the account — so nobody can lock the owner out from
 * elsewhere:
 * - per account and address: the tight limit, reset by a success. An attacker elsewhere cannot
 *   lock the owner out through it, because the owner's address is another key;
 * - per address: one address guessing at many accounts;
 * - per account from addresses it never signed in from: a distributed guess at one account. An
 *   address the account signed in from within 30 days is known and not held back by it, so the
 *   owner still gets in from there while strangers' addresses are paused.
 * Reset emails follow the same rule: a few per hour per account and address, and a cap per account
 * for all unknown addresses together, so requests from strangers cannot use up the owner's.
 * Admins (for their members) and operators lift an account's lock-outs (clearSignInThrottle).
 */
export class SignInThrottle {
  private readonly perAccountAddress: RateLimiterRedis;
  private readonly perAccount: RateLimiterRedis;
  private readonly perAddress: RateLimiterRedis;
  private readonly resetEmailsPerAccountAddress: RateLimiterRedis;
  private readonly resetEmailsPerAccountFromUnknown: RateLimiterRedis;
  private readonly resetRequestsPerAddress: RateLimiterRedis;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    options: SignInThrottleOptions = SIGN_IN_THROTTLE_DEFAULTS,
  ) {
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
    this.resetEmailsPerAccountAddress = hourly('reset-emails-address', RESET_EMAILS_PER_ACCOUNT_ADDRESS);
    this.resetEmailsPerAccountFromUnknown = hourly('reset-emails', RESET_EMAILS_PER_ACCOUNT_FROM_UNKNOWN);
    this.resetRequestsPerAddress = hourly('reset-requests', options.maxFailures * 4);
  }

  /**
   * Password-reset requests: an address asking too often is told to wait; an account gets at most
   * a few emails an hour per requesting address (and a cap for unknown addresses together), beyond
   * which requests are quietly dropped (the answer never differs, so it reveals nothing).
   */
  async passwordResetRequest(email: string, address: string | null): Promise<'send' | 'drop' | number> {
    const keys = this.keys(email, address);
    const refusal = await this.resetRequestsPerAddress.consume(keys.address).then(() => null, overLimit);
    if (refusal) return Math.max(1, Math.ceil(refusal.msBeforeNext / 1000));
    const byPair = await this.resetEmailsPerAccountAddress.consume(keys.accountAddress).then(() => true, overLimit);
    if (byPair !== true) return 'drop';
    if (await this.isKnown(keys)) return 'send';
    const byAccount = await this.resetEmailsPerAccountFromUnknown.consume(keys.account).then(() => true, overLimit);
    return byAccount === true ? 'send' : 'drop';
  }

  /** Seconds until sign-in may be tried again for this account from this address; 0 = allowed. */
  async retryAfterSeconds(email: string, address: string | null): Promise<number> {
    const keys = this.keys(email, address);
    const [pair, account, from, known] = await Promise.all([
      this.perAccountAddress.get(keys.accountAddress),
      this.perAccount.get(keys.account),
      this.perAddress.get(keys.address),
      this.isKnown(keys),
    ]);
    const checks: [RateLimiterRes | null, number][] = [
      [pair, this.perAccountAddress.points],
      [from, this.perAddress.points],
      // The account-wide pause holds back strangers' addresses, not the ones the owner uses.
      ...(known ? [] : [[account, this.perAccount.points] as [RateLimiterRes | null, number]]),
    ];
    let wait = 0;
    for (const [state, limit] of checks) {
      if (state && state.consumedPoints > limit) wait = Math.max(wait, state.msBeforeNext);
    }
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

  /** A success forgives this pair's failures and makes the address known; wider counts stand. */
  async recordSuccess(email: string, address: string | null): Promise<void> {
    const keys = this.keys(email, address);
    await Promise.all([
      this.perAccountAddress.delete(keys.accountAddress),
      address
        ? this.redis.multi().sadd(keys.known, hashedAddress(address)).expire(keys.known, KNOWN_ADDRESS_SECONDS).exec()
        : null,
    ]);
  }

  private async isKnown(keys: { known: string; rawAddress: string | null }): Promise<boolean> {
    if (!keys.rawAddress) return false;
    return (await this.redis.sismember(keys.known, hashedAddress(keys.rawAddress))) === 1;
  }

  private keys(email: string, address: string | null) {
    const account = throttleAccountOf(email);
    const from = address ?? 'unknown';
    return {
      account,
      address: from,
      rawAddress: address,
      accountAddress: `${account}:${from}`,
      known: `${this.prefix}:signin-known:${account}`,
    };
  }
}

/**
 * Lifts every lock-out and reset-mail count of one account (named by throttleAccountOf): the
 * account-wide ones and those of each address. For an admin or operator unlocking a member; safe
 * to repeat. Known addresses stay known.
 */
export async function clearSignInThrottle(redis: Redis, prefix: string, account: string): Promise<void> {
  const keys = [`${prefix}:signin-account:${account}`, `${prefix}:reset-emails:${account}`];
  for (const match of [
    `${prefix}:signin-account-address:${account}:*`,
    `${prefix}:reset-emails-address:${account}:*`,
  ]) {
    let cursor = '0';
    do {
      const [next, found] = await redis.scan(cursor, 'MATCH', match, 'COUNT', 500);
      cursor = next;
      keys.push(...found);
    } while (cursor !== '0');
  }
  await redis.del(...keys);
}
