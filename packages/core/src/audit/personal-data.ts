/**
 * Personal values in audit details (an invitee's email, an admin's contact fields) are kept out of
 * the hash chain: the chain must survive erasing a person, and it covers `details`. They move to
 * the entry's `personal` column, in the same shape, and `details` keeps a marker in their place.
 */
const PERSONAL_KEYS = new Set([
  'email',
  'adminEmail',
  'adminName',
  'phone',
  'address',
  'recipientName',
  // Addresses a report was emailed to (report.emailed).
  'recipients',
]);

export const PERSONAL_MARKER = '[personal]';
/** What an erased person's values read as afterwards. */
export const ERASED_MARKER = '[erased]';

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Date);

export function splitPersonal(details: Json): { details: Json; personal: Json } {
  const kept: Json = {};
  const personal: Json = {};
  for (const [key, value] of Object.entries(details)) {
    if (PERSONAL_KEYS.has(key) && value !== null && value !== undefined) {
      kept[key] = PERSONAL_MARKER;
      personal[key] = value;
    } else if (isObject(value)) {
      const inner = splitPersonal(value);
      kept[key] = inner.details;
      if (Object.keys(inner.personal).length > 0) personal[key] = inner.personal;
    } else {
      kept[key] = value;
    }
  }
  return { details: kept, personal };
}

/** The details as they were recorded, or with `[erased]` where a person's values were erased. */
export function withPersonal(details: Json, personal: Json): Json {
  const merged: Json = {};
  for (const [key, value] of Object.entries(details)) {
    const own = personal[key];
    if (value === PERSONAL_MARKER) merged[key] = own === undefined ? ERASED_MARKER : own;
    else if (isObject(value)) merged[key] = withPersonal(value, isObject(own) ? own : {});
    else merged[key] = value;
  }
  return merged;
}
