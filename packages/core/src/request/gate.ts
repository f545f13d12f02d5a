import type { Redis } from 'ioredis';
import type { CredentialRecord } from '../auth/credentials.js';

const HOUR_MS = 60 * 60 * 1000;
/** Counters outlive their hour long enough for the usage flush to read them after a long outage. */
export const COUNTER_TTL_SECONDS = 3 * 24 * 60 * 60;

/** The hourly API-call counter of a tenant: both the rate-limit window and the metered usage. */
export function apiCallCounterKey(prefix: string, tenantId: number, hourStartMs: number): string {
  return `${prefix}:calls:${tenantId}:${hourStartMs}`;
}

export function hourStart(nowMs: number): number {
  return Math.floor(nowMs / HOUR_MS) * HOUR_MS;
}

/**
 * One round trip per authenticated request: read the credential (and slide a session's idle
 * timeout), then count the calls against the tenant's hourly limit. Calls over the limit are refused
 * and not counted, so the counter is exactly the number of calls served — which is what the usage
 * flush copies into PostgreSQL.
 *
 * KEYS[1] credential record, KEYS[2] hourly counter.
 * ARGV[1] idle timeout ms (0 = do not slide), ARGV[2] calls in this request, ARGV[3] hourly limit,
 * ARGV[4] counter TTL s.
 * Returns { credential or false, calls used this hour, allowed 1/0 }.
 */
const GATE_SCRIPT = `
local credential = redis.call('GET', KEYS[1])
if not credential then return {false, 0, 0} end
local idle = tonumber(ARGV[1])
if idle > 0 then redis.call('PEXPIRE', KEYS[1], idle) end
local calls = tonumber(ARGV[2])
local used = tonumber(redis.call('GET', KEYS[2]) or '0')
if used + calls > tonumber(ARGV[3]) then return {credential, used, 0} end
used = redis.call('INCRBY', KEYS[2], calls)
if used == calls then redis.call('EXPIRE', KEYS[2], tonumber(ARGV[4])) end
return {credential, used, 1}
`;

export interface GateInput {
  credentialKey: string;
  tenantId: number;
  calls: number;
  hourlyLimit: number;
  /** Slide the credential's TTL to this many ms (sessions' idle timeout); 0 leaves it. */
  idleTimeoutMs: number;
  nowMs?: number;
}

export type GateResult =
  | { status: 'unknown_credential' }
  | { status: 'allowed' | 'limited'; credential: CredentialRecord; used: number; limit: number; resetAtMs: number };

type GateRedis = Redis & {
  digameGate(
    credentialKey: string,
    counterKey: string,
    ...args: (string | number)[]
  ): Promise<[string | null, number, number]>;
};

export class RequestGate {
  private readonly redis: GateRedis;

  constructor(
    redis: Redis,
    private readonly prefix: string,
  ) {
    if (!('digameGate' in redis)) redis.defineCommand('digameGate', { numberOfKeys: 2, lua: GATE_SCRIPT });
    this.redis = redis as GateRedis;
  }

  async pass(input: GateInput): Promise<GateResult> {
    const now = input.nowMs ?? Date.now();
    const start = hourStart(now);
    const [raw, used, allowed] = await this.redis.digameGate(
      input.credentialKey,
      apiCallCounterKey(this.prefix, input.tenantId, start),
      input.idleTimeoutMs,
      input.calls,
      input.hourlyLimit,
      COUNTER_TTL_SECONDS,
    );
    if (!raw) return { status: 'unknown_credential' };
    return {
      status: allowed === 1 ? 'allowed' : 'limited',
      credential: JSON.parse(raw) as CredentialRecord,
      used: Number(used),
      limit: input.hourlyLimit,
      resetAtMs: start + HOUR_MS,
    };
  }
}
