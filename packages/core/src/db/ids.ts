import { randomBytes } from 'node:crypto';

/**
 * UUID version 7: time-ordered, so rows inserted together sit together in the primary-key index
 * and ids sort by creation time (useful for cursors on append-heavy tables like the audit log).
 */
export function uuidv7(now: number = Date.now()): string {
  const bytes = randomBytes(16);
  bytes.writeUIntBE(now, 0, 6);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x70;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const COMPACT_UUID = /^[0-9a-f]{32}$/;

/** A uuid's 32 hex digits without dashes, for tokens that separate their parts with `_`. */
export function compactUuid(uuid: string): string {
  const lower = uuid.toLowerCase();
  if (!UUID.test(lower)) throw new TypeError('not a uuid');
  return lower.replaceAll('-', '');
}

/** The dashed form of 32 hex digits; null when the input is not that. */
export function expandUuid(hex: string): string | null {
  if (!COMPACT_UUID.test(hex)) return null;
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function isUuid(value: string): boolean {
  return UUID.test(value);
}
