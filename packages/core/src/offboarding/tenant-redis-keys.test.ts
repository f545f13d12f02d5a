import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { REDIS_KEY_FAMILIES, tenantKeyPatterns } from './tenant-redis-keys.js';

const root = fileURLToPath(new URL('../../../..', import.meta.url));

/** The first segment of every `${prefix}:…` key the shipped code builds, by file. */
function keyFamiliesInSource(): Map<string, string> {
  const families = new Map<string, string>();
  for (const dir of ['packages/core/src', 'apps/api/src', 'apps/worker/src']) {
    for (const file of fs.readdirSync(path.join(root, dir), { recursive: true, encoding: 'utf8' })) {
      if (!file.endsWith('.ts') || file.endsWith('.test.ts') || file.startsWith(`offboarding${path.sep}`)) continue;
      const source = fs.readFileSync(path.join(root, dir, file), 'utf8');
      for (const match of source.matchAll(/\$\{(?:this\.)?prefix\}:([a-z][a-z-]*)/g)) {
        families.set(match[1] as string, `${dir}/${file}`);
      }
    }
  }
  return families;
}

describe('the Redis key families', () => {
  it('classify every key the code writes, so a new one is purged with its tenant or said to be no tenant’s', () => {
    const found = keyFamiliesInSource();
    expect(found.size).toBeGreaterThan(10);
    const classified = new Set<string>(Object.values(REDIS_KEY_FAMILIES).flat());
    const unclassified = [...found].filter(([family]) => !classified.has(family)).map(([f, file]) => `${f} (${file})`);
    expect(unclassified).toEqual([]);
  });

  it('give every tenant family a SCAN pattern that names only that tenant', () => {
    const patterns = tenantKeyPatterns('{p}', 42);
    for (const family of REDIS_KEY_FAMILIES.tenant) {
      expect(
        patterns.some((pattern) => pattern.startsWith(`{p}:${family}:`)),
        family,
      ).toBe(true);
    }
    for (const pattern of patterns) expect(pattern).toMatch(/(:42$|:42:)/);
  });
});
