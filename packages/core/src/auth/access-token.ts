import { createHmac, createSecretKey, type KeyObject, timingSafeEqual } from 'node:crypto';
import { SignJWT } from 'jose';
import { isUuid } from '../db/ids.js';
import type { Role } from '../members/roles.js';

export const ACCESS_TOKEN_AUDIENCE = 'digame-api';
export const ACCESS_TOKEN_ISSUER = 'digame-tenancy';
/** The only part of a compact JWS that may appear: unpadded base64url. */
const BASE64URL = /^[A-Za-z0-9_-]+$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });
/** Verified tokens kept in memory per process (a few hundred bytes each). */
const VERIFIED_TOKENS_KEPT = 10_000;

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
  private readonly hmacKey: KeyObject;
  /**
   * Tokens whose signature and claims were verified, with their claims: a session presents the same
   * token with every request until it expires, so its HMAC and JSON are checked once. The times
   * (nbf, exp) are checked again on every use; revocation is the request gate's, not this cache's.
   * Bounded: the oldest entry leaves when it is full.
   */
  private readonly verified = new Map<string, Record<string, unknown>>();

  constructor(
    secret: string,
    readonly ttlSeconds = 15 * 60,
  ) {
    this.key = new TextEncoder().encode(secret);
    this.hmacKey = createSecretKey(this.key);
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

  /**
   * Verifies signature, algorithm, audience, issuer, expiry and the expected token type. Every
   * request with a session runs this, so it is done here with one synchronous HMAC instead of
   * jose's jwtVerify, whose WebCrypto verify (a key import and a thread-pool job per call) took a
   * quarter of an authenticated request. It checks what jwtVerify checked with our options:
   * compact form, header alg HS256 and no critical extensions, the signature, a JSON object of
   * claims with exp, sub, aud and iss present, the issuer and audience, numeric dates, nbf and exp.
   */
  async verify(token: string, expectedType: TokenType = 'access'): Promise<AccessClaims> {
    const payload = this.verifiedClaims(token);
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
  }

  /** The claims of a token we signed that is in force; InvalidTokenError for anything else. */
  private verifiedClaims(token: string): Record<string, unknown> {
    let claims = this.verified.get(token);
    if (!claims) {
      claims = this.signedClaims(token);
      if (this.verified.size >= VERIFIED_TOKENS_KEPT) this.verified.delete(this.verified.keys().next().value as string);
      this.verified.set(token, claims);
    }
    const now = Math.floor(Date.now() / 1000);
    if (typeof claims.nbf === 'number' && claims.nbf > now) throw new InvalidTokenError('invalid token');
    if ((claims.exp as number) <= now) {
      this.verified.delete(token);
      throw new InvalidTokenError('token expired');
    }
    return claims;
  }

  /** The claims of a token we signed, its signature and claim types checked (not yet its times). */
  private signedClaims(token: string): Record<string, unknown> {
    const invalid = () => new InvalidTokenError('invalid token');
    const parts = token.split('.');
    if (parts.length !== 3) throw invalid();
    const [head, body, signature] = parts as [string, string, string];
    if (!BASE64URL.test(head) || !BASE64URL.test(body) || !BASE64URL.test(signature)) throw invalid();
    const header = decodeJson(head);
    if (header?.alg !== 'HS256' || 'crit' in header || 'b64' in header) throw invalid();
    const expected = createHmac('sha256', this.hmacKey).update(`${head}.${body}`).digest();
    const presented = Buffer.from(signature, 'base64url');
    if (presented.length !== expected.length || !timingSafeEqual(presented, expected)) throw invalid();

    const claims = decodeJson(body);
    if (!claims) throw invalid();
    for (const claim of ['exp', 'sub', 'aud', 'iss']) if (!Object.hasOwn(claims, claim)) throw invalid();
    if (claims.iss !== ACCESS_TOKEN_ISSUER) throw invalid();
    const { aud } = claims;
    if (!(aud === ACCESS_TOKEN_AUDIENCE || (Array.isArray(aud) && aud.includes(ACCESS_TOKEN_AUDIENCE)))) {
      throw invalid();
    }
    for (const claim of ['iat', 'nbf', 'exp']) {
      if (claims[claim] !== undefined && typeof claims[claim] !== 'number') throw invalid();
    }
    return claims;
  }
}

/** A base64url part holding a JSON object, or null. */
function decodeJson(part: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(utf8.decode(Buffer.from(part, 'base64url')));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}
