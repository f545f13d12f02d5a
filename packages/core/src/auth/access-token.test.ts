import { createHmac, randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { ACCESS_TOKEN_AUDIENCE, ACCESS_TOKEN_ISSUER, AccessTokens, InvalidTokenError } from './access-token.js';

const SECRET = 'a-secret-of-more-than-thirty-two-characters';
const tokens = new AccessTokens(SECRET);
const tid = randomUUID();
const claims = { typ: 'access', tid, sid: 'session-1', role: 'admin' };

/** A token as jose signs it, with whatever header, claims or key a forger chooses. */
function sign(
  options: {
    header?: Record<string, unknown>;
    payload?: Record<string, unknown>;
    secret?: string;
    audience?: string | string[] | null;
    issuer?: string | null;
    expiresIn?: string | null;
  } = {},
) {
  const jwt = new SignJWT({ ...claims, ...options.payload })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT', ...options.header } as { alg: string })
    .setSubject('user-1')
    .setIssuedAt();
  if (options.audience !== null) jwt.setAudience(options.audience ?? ACCESS_TOKEN_AUDIENCE);
  if (options.issuer !== null) jwt.setIssuer(options.issuer ?? ACCESS_TOKEN_ISSUER);
  if (options.expiresIn !== null) jwt.setExpirationTime(options.expiresIn ?? '5m');
  return jwt.sign(new TextEncoder().encode(options.secret ?? SECRET));
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A correctly signed HS256 token with exactly this header and body (jose would not sign some). */
function handSigned(header: Record<string, unknown>, body: string): string {
  const signingInput = `${b64(header)}.${body}`;
  return `${signingInput}.${createHmac('sha256', SECRET).update(signingInput).digest('base64url')}`;
}

async function refusal(token: string | Promise<string>): Promise<string> {
  try {
    await tokens.verify(await token);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidTokenError);
    return (error as Error).message;
  }
  throw new Error('token was accepted');
}

describe('access tokens', () => {
  it('verify what they signed, and what jose signs with the same key and claims', async () => {
    const own = await tokens.sign({ typ: 'access', sub: 'user-1', tid, sid: 'session-1', role: 'admin' });
    expect(await tokens.verify(own)).toEqual({ typ: 'access', sub: 'user-1', tid, sid: 'session-1', role: 'admin' });
    expect(await tokens.verify(await sign({ audience: ['other', ACCESS_TOKEN_AUDIENCE] }))).toMatchObject({ tid });
  });

  it('refuse a forged, altered or foreign token as invalid', async () => {
    const good = await sign();
    const [head, body, signature] = good.split('.') as [string, string, string];
    // The hand-made tokens below differ from this accepted one only in what each names.
    expect(await tokens.verify(handSigned({ alg: 'HS256', typ: 'JWT' }, body))).toMatchObject({ tid });
    const forged = {
      'alg none': `${b64({ alg: 'none', typ: 'JWT' })}.${body}.`,
      'another algorithm': sign({ header: { alg: 'HS512' } }),
      'a critical extension': handSigned({ alg: 'HS256', crit: ['zip'], zip: 'x' }, body),
      'an unencoded payload': handSigned({ alg: 'HS256', b64: false, crit: ['b64'] }, body),
      'a header that is no object': handSigned(['HS256'] as never, body),
      'another key': sign({ secret: 'another-secret-of-more-than-thirty-two-chars' }),
      'an altered payload': `${head}.${b64({ ...JSON.parse(Buffer.from(body, 'base64url').toString()), role: 'x' })}.${signature}`,
      'characters outside base64url': `${head}.${body}.${signature}*`,
      'a fourth part': `${good}.x`,
      'another audience': sign({ audience: 'somebody-else' }),
      'no audience': sign({ audience: null }),
      'another issuer': sign({ issuer: 'somebody-else' }),
      'no issuer': sign({ issuer: null }),
      'no expiry': sign({ expiresIn: null }),
      'a non-numeric expiry': sign({ expiresIn: null, payload: { exp: 'tomorrow' } }),
      'claims that are no object': handSigned({ alg: 'HS256' }, b64([claims])),
      'not yet valid': sign({ payload: { nbf: Math.floor(Date.now() / 1000) + 600 } }),
      'an MFA-pending type': sign({ payload: { typ: 'mfa_pending' } }),
      garbage: 'not-a-token',
    };
    for (const [name, token] of Object.entries(forged)) {
      expect(await refusal(token), name).not.toBe('token expired');
    }
    expect(await refusal(sign({ payload: { tid: 42 } }))).toBe('token is missing claims');
  });

  it('tell an expired token apart', async () => {
    expect(await refusal(sign({ expiresIn: null, payload: { exp: Math.floor(Date.now() / 1000) - 1 } }))).toBe(
      'token expired',
    );
    expect(await refusal(tokens.sign({ typ: 'access', sub: 'u', tid, sid: 's', role: 'admin' }, -10))).toBe(
      'token expired',
    );
  });
});
