/**
 * The REST mirror speaks the brief's snake_case; the procedures behind it speak camelCase. Names
 * are mapped here, at that edge only: request bodies on the way in, responses, field messages and
 * the OpenAPI schemas on the way out.
 */

/** Properties whose values are maps keyed by data (setting names, colours…): their keys stay as sent. */
const DATA_MAPS = new Set(['settings', 'branding']);

export const snakeCase = (name: string) => name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
export const camelCase = (name: string) => name.replace(/_([a-z0-9])/g, (_match, next: string) => next.toUpperCase());

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' &&
  value !== null &&
  (Object.getPrototypeOf(value) === Object.prototype || Object.getPrototypeOf(value) === null);

function renameKeys(value: unknown, rename: (name: string) => string): unknown {
  if (Array.isArray(value)) return value.map((item) => renameKeys(item, rename));
  if (!isPlainObject(value)) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, inner]) => [rename(key), DATA_MAPS.has(key) ? inner : renameKeys(inner, rename)]),
  );
}

/** A procedure's result as the REST mirror answers it. */
export const toRest = (value: unknown) => renameKeys(value, snakeCase);
/** A REST body as the procedure takes it. */
export const fromRest = (value: unknown) => renameKeys(value, camelCase);

/** A field message's input path (`limits.maxUsers`, `settings.date_format`) in REST names. */
export function restFieldPath(path: string): string {
  const segments = path.split('.');
  const mapsAt = segments.findIndex((segment) => DATA_MAPS.has(segment));
  return segments.map((segment, index) => (mapsAt !== -1 && index > mapsAt ? segment : snakeCase(segment))).join('.');
}

type JsonSchema = Record<string, unknown>;

/** A JSON Schema of a procedure's input or output, with the property names the REST mirror uses. */
export function restSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(restSchema);
  if (!isPlainObject(schema)) return schema;
  const result: JsonSchema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'properties' && isPlainObject(value)) {
      result.properties = Object.fromEntries(
        Object.entries(value).map(([name, inner]) => [
          snakeCase(name),
          DATA_MAPS.has(name) ? inner : restSchema(inner),
        ]),
      );
    } else if (key === 'required' && Array.isArray(value)) {
      result.required = value.map((name) => snakeCase(String(name)));
    } else {
      result[key] = restSchema(value);
    }
  }
  return result;
}
