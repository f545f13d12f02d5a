import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ERROR_REASONS as CLIENT_REASONS } from '../../../../packages/client/src/errors.js';
import { ERROR_REASONS } from './error-reasons.js';

const root = fileURLToPath(new URL('../../../..', import.meta.url));

/** `details: { reason: '…'` in the server's source, with the DomainError code it is thrown with. */
function thrownReasons(): Map<string, Set<string>> {
  const reasons = new Map<string, Set<string>>();
  for (const dir of ['apps/api/src', 'packages/core/src']) {
    for (const file of fs.readdirSync(path.join(root, dir), { recursive: true, encoding: 'utf8' })) {
      if (!file.endsWith('.ts') || file.endsWith('.test.ts')) continue;
      const source = fs.readFileSync(path.join(root, dir, file), 'utf8');
      for (const match of source.matchAll(/details:\s*\{\s*reason:\s*'([a-z_]+)'/g)) {
        const code = [...source.slice(0, match.index).matchAll(/DomainError\(\s*'([A-Z_]+)'/g)].at(-1)?.[1] ?? '?';
        const codes = reasons.get(match[1] as string) ?? new Set();
        reasons.set(match[1] as string, codes.add(code));
      }
    }
  }
  return reasons;
}

describe('the error reason catalogue', () => {
  it('names exactly the reasons the server throws, with their codes', () => {
    const thrown = thrownReasons();
    expect(thrown.size).toBeGreaterThan(20);
    expect([...thrown.keys()].sort()).toEqual(Object.keys(ERROR_REASONS).sort());
    for (const [reason, codes] of thrown) {
      expect(codes, reason).toContain(ERROR_REASONS[reason as keyof typeof ERROR_REASONS].code);
    }
  });

  it('is the one @digame/client types', () => {
    expect([...CLIENT_REASONS].sort()).toEqual(Object.keys(ERROR_REASONS).sort());
  });
});
