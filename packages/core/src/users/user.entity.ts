import { defineEntity, type InferEntity } from '@mikro-orm/core';
import { uuidv7 } from '../db/ids.js';

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
