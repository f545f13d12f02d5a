import { hash, type Options, parseOptions, verify } from '@node-rs/argon2';

/** Argon2id at OWASP's minimum: 19 MiB of memory, 2 iterations, 1 lane. */
export const PASSWORD_HASH_OPTIONS = {
  algorithm: 2 satisfies number as Options['algorithm'], // Argon2id (a const enum the compiler cannot import here)
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
} satisfies Options;

export function hashPassword(password: string): Promise<string> {
  return hash(password, PASSWORD_HASH_OPTIONS);
}

export function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  return verify(passwordHash, password);
}

/** True when a stored hash was made with other parameters and should be replaced on sign-in. */
export function needsRehash(passwordHash: string): boolean {
  const current = parseOptions(passwordHash);
  return (
    current.algorithm !== PASSWORD_HASH_OPTIONS.algorithm ||
    current.memoryCost !== PASSWORD_HASH_OPTIONS.memoryCost ||
    current.timeCost !== PASSWORD_HASH_OPTIONS.timeCost ||
    current.parallelism !== PASSWORD_HASH_OPTIONS.parallelism
  );
}
