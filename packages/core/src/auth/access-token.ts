import { errors, jwtVerify, SignJWT } from 'jose';
import { isUuid } from '../db/ids.js';
import type { Role } from '../members/roles.js';

export const ACCESS_TOKEN_AUDIENCE = 'digame-api';
export const ACCESS_TOKEN_ISSUER = 'digame-tenancy';
const ALGORITHMS = ['HS256'];

/** typ distinguishes a full access token from an MFA-pending one, which can only finish sign-in. */
export type TokenType = 'access' | 'mfa_pending';

export interface AccessClaims {
  typ: TokenType;
  /** User id. */
  sub: string;
  /** Public uuid of the tenant the token acts in (the sequential id never leaves the server). */
  tid: string;
  /** Session id. */
  sid: string;
  role: Role;
}

export class InvalidTokenError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'InvalidTokenError';
  }
}

/** Signs and verifies short-lived JWTs with one fixed algorithm, audience and issuer. */
export class AccessTokens {
  private readonly key: Uint8Array;

  constructor(
    secret: string,
    readonly ttlSeconds = 15 * 60,
  ) {
    this.key = new TextEncoder().encode(secret);
  }

  async sign(claims: AccessClaims, ttlSeconds = this.ttlSeconds): Promise<string> {
    return new SignJWT({ typ: claims.typ, tid: claims.tid, sid: claims.sid, role: claims.role })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(claims.sub)
      .setAudience(ACCESS_TOKEN_AUDIENCE)
      .setIssuer(ACCESS_TOKEN_ISSUER)
      .setIssuedAt()
      .setExpirationTime(`${ttlSeconds}s`)
      .sign(this.key);
  }

  /** Verifies signature, algorithm, audience, issuer, expiry and the expected token type. */
  async verify(token: string, expectedType: TokenType = 'access'): Promise<AccessClaims> {
    try {
      const { payload } = await jwtVerify(token, this.key, {
        algorithms: ALGORITHMS,
        audience: ACCESS_TOKEN_AUDIENCE,
        issuer: ACCESS_TOKEN_ISSUER,
        requiredClaims: ['exp', 'sub', 'aud'],
      });
      if (payload.typ !== expectedType) throw new InvalidTokenError(`expected a ${expectedType} token`);
      if (
        typeof payload.tid !== 'string' ||
        !isUuid(payload.tid) ||
        typeof payload.sid !== 'string' ||
        typeof payload.role !== 'string'
      ) {
        throw new InvalidTokenError('token is missing claims');
      }
      return {
        typ: expectedType,
        sub: String(payload.sub),
        tid: payload.tid,
        sid: payload.sid,
        role: payload.role as Role,
      };
    } catch (error) {
      if (error instanceof InvalidTokenError) throw error;
      if (error instanceof errors.JWTExpired) throw new InvalidTokenError('token expired');
      throw new InvalidTokenError('invalid token');
    }
  }
}
