import { defineEntity, type InferEntity } from '@mikro-orm/core';
import { uuidv7 } from '../db/ids.js';

export const PASSWORD_TOKEN_PURPOSES = ['welcome', 'reset'] as const;
export type PasswordTokenPurpose = (typeof PASSWORD_TOKEN_PURPOSES)[number];

/** Global identity: one person, one email, possibly a member of several tenants. */
export const User = defineEntity({
  name: 'User',
  tableName: 'users',
  properties: (p) => ({
    id: p
      .uuid()
      .primary()
      .onCreate(() => uuidv7()),
    /** Stored lower-cased and trimmed, so uniqueness is case-insensitive. */
    email: p.string().length(255).unique(),
    fullName: p.string().length(255),
    /** Argon2id PHC string; null until the user sets a password (e.g. from a welcome link). */
    passwordHash: p.string().length(255).nullable(),
    /** Platform operators manage every tenant; their access to a tenant is audited. */
    isPlatformOperator: p.boolean().default(false),
    isActive: p.boolean().default(true),
    lastSignInAt: p.datetime().nullable(),
    passwordChangedAt: p.datetime().nullable(),
    /**
     * The one outstanding set-password link (welcome or reset): sha256 of its secret, what it is for
     * and when it expires. Per user, so the token (which names its user) needs no global lookup table.
     */
    passwordTokenHash: p.string().length(64).nullable(),
    passwordTokenPurpose: p.enum([...PASSWORD_TOKEN_PURPOSES]).nullable(),
    passwordTokenExpiresAt: p.datetime().nullable(),
    /** TOTP secret, AES-256-GCM encrypted (see auth/secret-box.ts); set once enrolment is confirmed. */
    mfaSecretEncrypted: p.text().nullable(),
    /** Secret of an enrolment that has not been confirmed with a code yet. */
    mfaPendingSecretEncrypted: p.text().nullable(),
    mfaEnabledAt: p.datetime().nullable(),
    /** Last TOTP time step accepted: a code is usable once, and never an older one. */
    mfaLastUsedStep: p.integer().nullable(),
    /** sha256 of each unused recovery code, hex. */
    mfaRecoveryCodeHashes: p.json<string[]>().default('[]'),
    createdAt: p
      .datetime()
      .defaultRaw('now()')
      .onCreate(() => new Date()),
    updatedAt: p
      .datetime()
      .defaultRaw('now()')
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
  }),
});

export type UserEntity = InferEntity<typeof User>;

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}
