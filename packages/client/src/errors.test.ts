import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ERROR_REASONS } from './errors.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));

/** `details: { reason: '…'` in the server's source: every reason a refusal can carry. */
function serverReasons(): Set<string> {
  const reasons = new Set<string>();
  for (const dir of ['apps/api/src', 'packages/core/src']) {
    for (const file of fs.readdirSync(path.join(root, dir), { recursive: true, encoding: 'utf8' })) {
      if (!file.endsWith('.ts') || file.endsWith('.test.ts')) continue;
      const source = fs.readFileSync(path.join(root, dir, file), 'utf8');
      for (const match of source.matchAll(/details:\s*\{\s*reason:\s*'([a-z_]+)'/g)) reasons.add(match[1] as string);
    }
  }
  return reasons;
}

describe('the error reason catalogue', () => {
  it('names exactly the reasons the server sends', () => {
    const sent = serverReasons();
    expect(sent.size).toBeGreaterThan(20);
    expect([...sent].sort()).toEqual([...ERROR_REASONS].sort());
  });
});
