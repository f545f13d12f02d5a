import { describe, expect, it } from 'vitest';
import { formatterFor, startOfDayIn } from './format.js';

describe('formatting by the tenant settings', () => {
  it('starts a calendar day at midnight in the tenant time zone, across daylight-saving changes', () => {
    expect(startOfDayIn('UTC', '2026-12-02').toISOString()).toBe('2026-12-02T00:00:00.000Z');
    expect(startOfDayIn('Asia/Tokyo', '2026-12-02').toISOString()).toBe('2026-12-01T15:00:00.000Z');
    // New York moves to summer time at 02:00 on 8 March 2026: that midnight is still UTC−5.
    expect(startOfDayIn('America/New_York', '2026-03-08').toISOString()).toBe('2026-03-08T05:00:00.000Z');
    expect(startOfDayIn('America/New_York', '2026-03-09').toISOString()).toBe('2026-03-09T04:00:00.000Z');
  });

  it('writes dates in the chosen format and zone', () => {
    const format = formatterFor({ timezone: 'Asia/Tokyo', dateFormat: 'DD.MM.YYYY', currency: 'EUR' });
    expect(format.date('2026-12-01T16:00:00Z')).toBe('02.12.2026');
    expect(format.money(2_900)).toMatch(/€/);
  });

  it('writes sizes in the units plans are sold in', () => {
    const format = formatterFor({ timezone: 'UTC', dateFormat: 'YYYY-MM-DD', currency: 'USD' });
    expect(format.bytes(1)).toBe('1 byte');
    expect(format.bytes(1023)).toBe('1,023 bytes');
    expect(format.bytes(1536)).toBe('1.5 KB');
    expect(format.bytes(5 * 1024 ** 3)).toBe('5 GB');
  });
});
