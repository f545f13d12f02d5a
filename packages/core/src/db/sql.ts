import pg from 'pg';

/** What a statement of a read unit may hold as a value: rendered as a SQL literal, never as SQL. */
export type SqlValue = number | boolean | string | Date | null;

/**
 * One statement with its values already rendered as literals, for a read unit (Database.readInTenant),
 * which goes to PostgreSQL as one simple-protocol query and so can take no parameters. Only the `sql`
 * tag makes one; `Row` is the shape of the rows it returns.
 */
class SqlStatement<Row = Record<string, unknown>> {
  declare readonly row?: Row;
  constructor(readonly text: string) {}
}

// The class is exported as a type only: nothing but the `sql` tag constructs one.
export type { SqlStatement };

/** The text of a statement the `sql` tag made; a TypeError for anything else. */
export function statementText(statement: SqlStatement<unknown>): string {
  if (!(statement instanceof SqlStatement)) throw new TypeError('not a statement of the sql tag');
  return statement.text;
}

/**
 * A value as a SQL literal, or a TypeError for anything that has no one safe rendering. Strings go
 * through pg's escapeLiteral (quotes doubled, and an E'' literal with doubled backslashes when there
 * is a backslash); U+0000 is refused, as PostgreSQL cannot hold it in text and it would end the
 * query message early. A negative number is parenthesised, so no `-` next to it can become `--`.
 */
export function sqlLiteral(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'number':
      if (!Number.isSafeInteger(value)) throw new TypeError(`not a safe integer for SQL: ${value}`);
      return value < 0 ? `(${value})` : String(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'string':
      if (value.includes('\u0000')) throw new TypeError('a SQL string cannot hold U+0000');
      return pg.escapeLiteral(value);
    case 'object':
      if (value instanceof Date) {
        if (Number.isNaN(value.getTime())) throw new TypeError('an invalid Date has no SQL literal');
        return `'${value.toISOString()}'`;
      }
      break;
  }
  throw new TypeError(`no SQL literal for a value of type ${Object.prototype.toString.call(value)}`);
}

/**
 * A read unit's statement: sql<Row>`select … where id = ${id}`. The template's text is code and is
 * kept as written (one query, select or with: no `;` in it); each value becomes a literal (sqlLiteral).
 */
export function sql<Row = Record<string, unknown>>(
  strings: TemplateStringsArray,
  ...values: readonly SqlValue[]
): SqlStatement<Row> {
  // Only a template literal's own strings (frozen, with `raw`): never a string built at run time.
  if (!Object.isFrozen(strings) || !Array.isArray((strings as { raw?: unknown }).raw)) {
    throw new TypeError('sql is a template tag: sql`select …`');
  }
  if (strings.some((part) => part.includes(';') || part.includes('\u0000'))) {
    throw new TypeError('a read unit statement is one statement: no ";" in its text');
  }
  // A query, so that none can end the unit's transaction early or change the session (SET, COMMIT).
  if (!/^\s*(select|with)\b/i.test(strings[0] as string)) {
    throw new TypeError('a read unit statement is a query: select … or with …');
  }
  let text = strings[0] as string;
  values.forEach((value, index) => {
    text += sqlLiteral(value) + (strings[index + 1] as string);
  });
  return new SqlStatement<Row>(text);
}
