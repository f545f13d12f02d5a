import fs from 'node:fs';
import { PERMISSIONS } from '@digame/core/auth';
import { DOMAIN_EVENT_TYPES, EVENT_FEATURES, EVENT_PERMISSIONS } from '@digame/core/events';
import { describe, expect, it } from 'vitest';
import { ERROR_REASONS } from './trpc/error-reasons.js';

// docs/api.md is hand-written: these keep its catalogues equal to what the code does.
const guide = fs.readFileSync(new URL('../../../docs/api.md', import.meta.url), 'utf8');
const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** A table row starting with these cells. */
const row = (...cells: string[]) => new RegExp(`^\\| ${cells.map(literal).join(' \\| ')}( |$)`, 'm');

describe('the api guide', () => {
  it('lists every error reason with its code', () => {
    for (const [reason, { code }] of Object.entries(ERROR_REASONS)) {
      expect(guide, reason).toMatch(row(`\`${reason}\``, code));
    }
  });

  it('lists every event type with the permission (and feature) it needs', () => {
    for (const type of DOMAIN_EVENT_TYPES) {
      const feature = EVENT_FEATURES[type];
      const needs = `\`${EVENT_PERMISSIONS[type]}\`${feature ? ` and the \`${feature}\` feature` : ''}`;
      expect(guide, type).toMatch(row(`\`${type}\``, needs));
    }
  });

  it('names every permission', () => {
    for (const permission of PERMISSIONS) expect(guide).toContain(`\`${permission}\``);
  });
});
