import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { DomainError } from '../errors/domain-error.js';

/** How long a download link works: long enough to start a download, short enough not to linger. */
export const DOWNLOAD_LINK_TTL_SECONDS = 15 * 60;

export interface DownloadClaims {
  tenantId: number;
  exportId: string;
  /** The member who asked for the link; checked again at download. */
  userId: string;
  expiresAtMs: number;
}

const claimsSchema = z.object({
  t: z.number().int().positive(),
  e: z.uuid(),
  u: z.uuid(),
  x: z.number().int().positive(),
});

/** Its own key, derived from the api's secret, so a download token can never pass for another token. */
function keyOf(secret: string): Buffer {
  return createHmac('sha256', secret).update('digame data export download link v1').digest();
}

const sign = (secret: string, body: string) => createHmac('sha256', keyOf(secret)).update(body).digest();

/** `v1.<claims>.<signature>`, both base64url: a bearer capability for one archive until it expires. */
export function signDownloadToken(secret: string, claims: DownloadClaims): string {
  const body = Buffer.from(
    JSON.stringify({ t: claims.tenantId, e: claims.exportId, u: claims.userId, x: claims.expiresAtMs }),
  ).toString('base64url');
  return `v1.${body}.${sign(secret, body).toString('base64url')}`;
}

const invalid = () =>
  new DomainError('FORBIDDEN', 'This download link is not valid', { details: { reason: 'invalid_download_link' } });

/** The claims of a genuine, unexpired token; FORBIDDEN otherwise (expired links say so). */
export function verifyDownloadToken(secret: string, token: string, nowMs: number): DownloadClaims {
  const [version, body, signature] = token.split('.');
  if (version !== 'v1' || !body || !signature) throw invalid();
  const expected = sign(secret, body);
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw invalid();
  }
  const parsed = claimsSchema.safeParse(JSON.parse(Buffer.from(body, 'base64url').toString('utf8')));
  if (!parsed.success) throw invalid();
  const { t, e, u, x } = parsed.data;
  if (x <= nowMs) {
    throw new DomainError('FORBIDDEN', 'This download link has expired; ask for a new one in Data & privacy', {
      details: { reason: 'download_link_expired' },
    });
  }
  return { tenantId: t, exportId: e, userId: u, expiresAtMs: x };
}
