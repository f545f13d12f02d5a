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
 * One round trip per authenticated request: read the credential record, prove the presented
 * credential against it, and only then slide a session's idle timeout and count the calls against
 * the tenant's hourly limit. A record of another kind or tenant, another member's session, or an
 * API key whose secret hash differs is answered exactly like a missing record and touches nothing:
 * a forged key naming a real key id costs its tenant nothing. Calls over the limit are refused and
 * not counted, so the counter is exactly the number of calls served — which is what the usage
 * flush copies into PostgreSQL.
 *
 * KEYS[1] credential record, KEYS[2] hourly counter.
 * ARGV[1] idle timeout ms (0 = do not slide), ARGV[2] calls to count (0 = a refused request: prove
 * only), ARGV[3] hourly limit, ARGV[4] counter TTL s, ARGV[5] kind, ARGV[6] tenant id,
 * ARGV[7] proof (the session's user id, or the sha256 of the key's secret), ARGV[8] now (epoch ms).
 * Returns { credential or false, calls used this hour, outcome }; outcome 1 counted, 0 over the
 * limit, 2 expired, 3 proven and not counted.
 * (The hash comparison is not constant-time; it compares sha256 digests of the caller's input,
 * which leaks nothing about the stored secret. Node compares the secret again in constant time.)
 */
const GATE_SCRIPT = `
local raw = redis.call('GET', KEYS[1])
if not raw then return {false, 0, 0} end
local ok, record = pcall(cjson.decode, raw)
if not ok or type(record) ~= 'table' then return {false, 0, 0} end
if record.kind ~= ARGV[5] or tostring(record.tenantId) ~= ARGV[6] then return {false, 0, 0} end
if ARGV[5] == 'api_key' then
  if record.secretHash ~= ARGV[7] then return {false, 0, 0} end
elseif record.userId ~= ARGV[7] then
  return {false, 0, 0}
end
if type(record.expiresAt) == 'number' and record.expiresAt <= tonumber(ARGV[8]) then return {raw, 0, 2} end
local idle = tonumber(ARGV[1])
if idle > 0 then redis.call('PEXPIRE', KEYS[1], idle) end
local calls = tonumber(ARGV[2])
local used = tonumber(redis.call('GET', KEYS[2]) or '0')
if calls == 0 then return {raw, used, 3} end
if used + calls > tonumber(ARGV[3]) then return {raw, used, 0} end
used = redis.call('INCRBY', KEYS[2], calls)
if used == calls then redis.call('EXPIRE', KEYS[2], tonumber(ARGV[4])) end
return {raw, used, 1}
`;

export interface GateInput {
  credentialKey: string;
  /** What the request presents and the record must match before anything is counted. */
  credential: { kind: 'session'; userId: string } | { kind: 'api_key'; secretHash: string };
  tenantId: number;
  /** Calls to count; 0 for a request that will be refused anyway (it is proven, never counted). */
  calls: number;
  hourlyLimit: number;
  /** Slide the credential's TTL to this many ms (sessions' idle timeout); 0 leaves it. */
  idleTimeoutMs: number;
  nowMs?: number;
}

export type GateResult =
  /** No record matches what was presented: nothing was counted or changed. */
  | { status: 'unknown_credential' }
  /** The record matches but has passed its absolute expiry: nothing was counted. */
  | { status: 'expired'; credential: CredentialRecord }
  /** counted: allowed and counted; limited: over the hourly limit; uncounted: proven, calls was 0. */
  | {
      status: 'allowed' | 'limited' | 'uncounted';
      credential: CredentialRecord;
      used: number;
      limit: number;
      resetAtMs: number;
    };

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
    const proof = input.credential.kind === 'api_key' ? input.credential.secretHash : input.credential.userId;
    const [raw, used, outcome] = await this.redis.digameGate(
      input.credentialKey,
      apiCallCounterKey(this.prefix, input.tenantId, start),
      input.idleTimeoutMs,
      input.calls,
      input.hourlyLimit,
      COUNTER_TTL_SECONDS,
      input.credential.kind,
      input.tenantId,
      proof,
      now,
    );
    if (!raw) return { status: 'unknown_credential' };
    const credential = JSON.parse(raw) as CredentialRecord;
    if (outcome === 2) return { status: 'expired', credential };
    return {
      status: outcome === 1 ? 'allowed' : outcome === 3 ? 'uncounted' : 'limited',
      credential,
      used: Number(used),
      limit: input.hourlyLimit,
      resetAtMs: start + HOUR_MS,
    };
  }
}
