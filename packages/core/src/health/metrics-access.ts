import { createHash, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

/** The setting both processes' GET /metrics read. */
export const metricsEnvSchema = z.object({
  /** When set, GET /metrics requires `Authorization: Bearer <token>`; unset, it answers callers on this host only. */
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
});

/** The caller is this host: the processes listen on every interface, their metrics answer loopback only. */
function isLoopback(address: string | null | undefined): boolean {
  if (!address) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
  return v4 === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
}

function bearerMatches(header: string | undefined, token: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(header ?? ''), digest(`Bearer ${token}`));
}

/**
 * Why GET /metrics is refused to this caller, or null when it may scrape: with a token configured,
 * callers presenting it; without one, callers on this host only (metrics name procedures, queues and
 * volumes, which strangers have no business reading).
 */
export function metricsRefusal(
  token: string | undefined,
  authorization: string | undefined,
  address: string | null | undefined,
): string | null {
  if (token) return bearerMatches(authorization, token) ? null : 'Metrics need the metrics token';
  return isLoopback(address)
    ? null
    : 'Metrics are served to this host only; set METRICS_TOKEN to scrape them from elsewhere';
}
