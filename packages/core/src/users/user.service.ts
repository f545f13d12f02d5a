import type { EntityManager } from '@mikro-orm/postgresql';
import { normalizeEmail, User, type UserEntity } from './user.entity.js';

/** The global identity for an email, created on first sight (users are shared across tenants). */
export async function findOrCreateUser(
  em: EntityManager,
  input: { email: string; fullName: string; passwordHash?: string | null },
): Promise<UserEntity> {
  const email = normalizeEmail(input.email);
  const existing = await em.findOne(User, { email });
  if (existing) return existing;
  const user = em.create(User, { email, fullName: input.fullName.trim(), passwordHash: input.passwordHash ?? null });
  await em.flush();
  return user;
}
