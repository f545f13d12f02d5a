import { hash } from '@node-rs/argon2';
import { describe, expect, it } from 'vitest';
import { hashPassword, needsRehash, verifyPassword } from './password.js';

describe('password hashing', () => {
  it('uses Argon2id with at least 19 MiB and 2 iterations, and verifies', async () => {
    const stored = await hashPassword('correct horse battery staple');
    expect(stored).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(stored).not.toContain('correct horse');
    expect(await verifyPassword(stored, 'correct horse battery staple')).toBe(true);
    expect(await verifyPassword(stored, 'Correct horse battery staple')).toBe(false);
    expect(needsRehash(stored)).toBe(false);
  });

  it('flags hashes made with weaker parameters for re-hashing', async () => {
    const weak = await hash('secret-password', { memoryCost: 4096, timeCost: 1 });
    expect(needsRehash(weak)).toBe(true);
  });
});
