import fc from 'fast-check';
import { z } from 'zod';

/** The part of JSON Schema that zod's toJSONSchema emits for the procedures' inputs. */
interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  prefixItems?: JsonSchema[];
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  format?: string;
  pattern?: string;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  $ref?: string;
  $defs?: Record<string, JsonSchema>;
  default?: unknown;
}

/** Text an attacker would try: SQL, markup, path tricks, control characters, format look-alikes. */
export const HOSTILE_STRINGS = [
  '',
  ' ',
  "' OR '1'='1",
  "'; drop table tenants; --",
  '"; select pg_sleep(5); --',
  '1 union select password_hash from users',
  '<script>alert(1)</script>',
  '{{7*7}}',
  `\${process.env}`,
  '../../../../etc/passwd',
  '%00',
  '\u0000',
  '\u202e\u0000\uffff',
  '😀'.repeat(100),
  'a'.repeat(10_000),
  '00000000-0000-0000-0000-000000000000',
  'ffffffff-ffff-ffff-ffff-ffffffffffff',
  '1',
  '-1',
  '9223372036854775808',
  'NaN',
  'null',
  'undefined',
  '__proto__',
  'constructor',
  'admin@example.com',
  'a@b',
  '2026-02-30T25:61:61Z',
  '1700000000000-0',
  'inv_x',
  'key_x.y',
];

/** Values of every JSON type and shape, including the ones no schema expects. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...HOSTILE_STRINGS) },
  { weight: 2, arbitrary: fc.constantFrom(0, -1, 1.5, -0, 2 ** 31, 2 ** 53 + 1, -(2 ** 63), 1e308, true, false, null) },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom<unknown>(
      JSON.parse('{"__proto__":{"isPlatformOperator":true},"constructor":{"prototype":{"admin":true}}}'),
      Array.from({ length: 20 }).reduce<unknown[]>((inner) => [inner], []),
      Array.from({ length: 1_000 }, (_, i) => i),
      Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`k${i}`, i])),
    ),
  },
);

/**
 * Ids and slugs of things that exist (tenants, users), filled in by the test once it made them, so
 * generated inputs also name real rows, the caller's own and another tenant's.
 */
export const knownIds: string[] = [];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const knownUuid = fc.nat().map((i) => {
  const uuids = knownIds.filter((id) => UUID.test(id));
  return uuids[i % Math.max(1, uuids.length)] ?? '00000000-0000-4000-8000-000000000000';
});

const FORMATS: Record<string, () => fc.Arbitrary<string>> = {
  email: () => fc.emailAddress().filter((email) => email.length <= 200),
  uuid: () => fc.oneof(fc.uuid(), knownUuid),
  'date-time': () =>
    fc.date({ noInvalidDate: true, min: new Date(2000, 0, 1), max: new Date(2100, 0, 1) }).map((d) => d.toISOString()),
  date: () =>
    fc
      .date({ noInvalidDate: true, min: new Date(2000, 0, 1), max: new Date(2100, 0, 1) })
      .map((d) => d.toISOString().slice(0, 10)),
  uri: () => fc.webUrl(),
  url: () => fc.webUrl(),
  ipv4: () => fc.ipV4(),
  cidrv4: () => fc.tuple(fc.ipV4(), fc.integer({ min: 0, max: 32 })).map(([ip, bits]) => `${ip}/${bits}`),
};

/**
 * Values the schema accepts (as far as JSON Schema can say: refinements beyond it, such as
 * cross-field rules, may still refuse them), with each bound's edge values likely.
 */
export function validValue(
  schema: JsonSchema,
  defs: Record<string, JsonSchema> = schema.$defs ?? {},
): fc.Arbitrary<unknown> {
  if (schema.$ref) {
    const target = defs[schema.$ref.replace(/^#\/\$defs\//, '')];
    return target ? fc.constant(null).chain(() => validValue(target, defs)) : fc.jsonValue();
  }
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  const choices = schema.anyOf ?? schema.oneOf;
  if (choices) return fc.oneof(...choices.map((choice) => validValue(choice, defs)));
  if (schema.allOf?.[0]) return validValue(schema.allOf[0], defs);
  const type = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
  if (type.length > 1) return fc.oneof(...type.map((t) => validValue({ ...schema, type: t }, defs)));
  switch (type[0]) {
    case 'null':
      return fc.constant(null);
    case 'boolean':
      return fc.boolean();
    case 'integer':
    case 'number': {
      const integer = type[0] === 'integer';
      const min =
        schema.minimum ??
        (schema.exclusiveMinimum !== undefined ? schema.exclusiveMinimum + (integer ? 1 : 1e-6) : -1e6);
      const max =
        schema.maximum ??
        (schema.exclusiveMaximum !== undefined ? schema.exclusiveMaximum - (integer ? 1 : 1e-6) : 1e6);
      const lo = Math.max(min, Number.MIN_SAFE_INTEGER);
      const hi = Math.min(max, Number.MAX_SAFE_INTEGER);
      const inner = integer
        ? fc.integer({ min: Math.ceil(lo), max: Math.floor(hi) })
        : fc.double({ min: lo, max: hi, noNaN: true, noDefaultInfinity: true });
      return fc.oneof(inner, fc.constantFrom(Math.ceil(lo), Math.floor(hi)));
    }
    case 'string': {
      const format = schema.format ? FORMATS[schema.format] : undefined;
      if (format) return format();
      const minLength = schema.minLength ?? 0;
      const maxLength = Math.min(schema.maxLength ?? 64, minLength + 300);
      if (schema.pattern) {
        try {
          return fc
            .stringMatching(new RegExp(schema.pattern))
            .filter((s) => s.length >= minLength && s.length <= maxLength);
        } catch {
          // A pattern fast-check cannot invert: plain strings within the length bounds.
        }
      }
      return fc.oneof(
        fc.string({ minLength, maxLength, unit: 'binary' }),
        fc.string({ minLength: maxLength, maxLength }),
        fc.string({ minLength, maxLength: minLength }),
      );
    }
    case 'array': {
      const minLength = schema.minItems ?? 0;
      const maxLength = Math.min(schema.maxItems ?? 5, minLength + 5);
      if (schema.prefixItems) return fc.tuple(...schema.prefixItems.map((item) => validValue(item, defs)));
      return fc.array(schema.items ? validValue(schema.items, defs) : fc.jsonValue(), { minLength, maxLength });
    }
    case 'object': {
      const properties = schema.properties ?? {};
      const required = schema.required ?? [];
      const model = Object.fromEntries(
        Object.entries(properties).map(([key, value]) => [key, validValue(value, defs)]),
      );
      const record = fc.record(model, { requiredKeys: required.filter((key) => key in model) });
      if (Object.keys(properties).length > 0 || schema.additionalProperties === false) return record;
      const values =
        typeof schema.additionalProperties === 'object'
          ? validValue(schema.additionalProperties, defs)
          : fc.jsonValue();
      return fc.dictionary(fc.string({ maxLength: 20 }), values, { maxKeys: 5 });
    }
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

function mergeObjects(parts: JsonSchema[]): JsonSchema {
  return {
    type: 'object',
    properties: Object.assign({}, ...parts.map((part) => part.properties ?? {})),
    required: parts.flatMap((part) => part.required ?? []),
    $defs: Object.assign({}, ...parts.map((part) => part.$defs ?? {})),
  };
}

/** A valid value with one field (anywhere in it) replaced by a hostile one, or dropped. */
export function corrupted(valid: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  return fc.tuple(valid, hostileValue, fc.nat(), fc.boolean()).map(([value, hostile, pick, drop]) => {
    const paths: (string | number)[][] = [];
    const walk = (node: unknown, path: (string | number)[]) => {
      paths.push(path);
      if (node && typeof node === 'object') {
        for (const [key, child] of Object.entries(node))
          walk(child, [...path, Array.isArray(node) ? Number(key) : key]);
      }
    };
    walk(value, []);
    const path = paths[pick % paths.length] ?? [];
    if (path.length === 0) return hostile;
    const copy = structuredClone(value) as Record<string | number, unknown>;
    let parent = copy;
    for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
    const last = path[path.length - 1] as string | number;
    if (drop && !Array.isArray(parent)) delete parent[last];
    else parent[last] = hostile;
    return copy;
  });
}

/**
 * Inputs for a procedure's schema: valid ones (which succeed or are refused by rules and state),
 * valid ones with one field corrupted, and anything at all.
 */
export function inputsFor(schemas: readonly z.ZodType[]): fc.Arbitrary<unknown> {
  if (schemas.length === 0) {
    return fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: hostileValue });
  }
  let json: JsonSchema;
  try {
    // A procedure's chained .input() calls merge their objects.
    const parts = schemas.map(
      (schema) => z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema,
    );
    json = parts.length === 1 ? (parts[0] as JsonSchema) : mergeObjects(parts);
  } catch {
    return hostileValue;
  }
  const valid = validValue(json);
  return fc.oneof(
    { weight: 3, arbitrary: valid },
    { weight: 3, arbitrary: corrupted(valid) },
    { weight: 1, arbitrary: hostileValue },
  );
}
