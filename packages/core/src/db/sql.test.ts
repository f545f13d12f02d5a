import { describe, expect, it } from 'vitest';
import { type SqlValue, sql, sqlLiteral, statementText } from './sql.js';

const text = (statement: ReturnType<typeof sql>) => statementText(statement);

describe('sql literals of a read unit', () => {
  it('renders safe integers, booleans, null and Dates as literals', () => {
    expect(sqlLiteral(42)).toBe('42');
    expect(sqlLiteral(0)).toBe('0');
    expect(sqlLiteral(true)).toBe('true');
    expect(sqlLiteral(false)).toBe('false');
    expect(sqlLiteral(null)).toBe('null');
    expect(sqlLiteral(new Date('2026-12-02T10:00:00.123Z'))).toBe("'2026-12-02T10:00:00.123Z'");
  });

  it('parenthesises a negative number, so that no "-" before it makes a comment', () => {
    expect(sqlLiteral(-1)).toBe('(-1)');
    expect(text(sql`select 5 -${-1}`)).toBe('select 5 -(-1)');
  });

  it('escapes quotes and backslashes in strings', () => {
    expect(sqlLiteral("O'Brien")).toBe("'O''Brien'");
    expect(sqlLiteral('a\\b')).toBe(" E'a\\\\b'");
    expect(sqlLiteral('')).toBe("''");
  });

  it('keeps an injection attempt inside its literal', () => {
    const attempt = "1'; commit; drop table tenants; --";
    expect(text(sql`select * from tenants where slug = ${attempt}`)).toBe(
      "select * from tenants where slug = '1''; commit; drop table tenants; --'",
    );
    expect(text(sql`select ${"\\'; select 1; --"}`)).toBe("select  E'\\\\''; select 1; --'");
  });

  it('refuses U+0000, non-integers and everything without one safe literal', () => {
    const refused: unknown[] = [
      'a\u0000b',
      1.5,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      2 ** 53,
      10n,
      undefined,
      new Date('not a date'),
      [1, 2],
      { id: 1 },
      Symbol('x'),
      () => 1,
      new String('boxed'),
    ];
    for (const value of refused) expect(() => sqlLiteral(value), String(value)).toThrow(TypeError);
    expect(() => sql`select ${undefined as unknown as SqlValue}`).toThrow(TypeError);
  });
});

describe('the sql tag', () => {
  it('keeps the template text as written and puts each value in its place', () => {
    expect(text(sql`select * from tenants where id = ${7} and is_active = ${true}`)).toBe(
      'select * from tenants where id = 7 and is_active = true',
    );
  });

  it('takes one query only: no ";" in the template text, and select or with', () => {
    expect(() => sql`select 1; select 2`).toThrow(TypeError);
    for (const statement of [
      () => sql`commit`,
      () => sql`set app.current_tenant_id = ${1}`,
      () => sql`update t set x = 1`,
    ]) {
      expect(statement).toThrow(TypeError);
    }
    expect(statementText(sql`  with x as (select 1) select * from x`)).toBe('  with x as (select 1) select * from x');
  });

  it('is a tag only, never called with a string built at run time', () => {
    const built = ['select * from tenants where slug = ', ''] as unknown as TemplateStringsArray;
    expect(() => sql(built, 'x')).toThrow(TypeError);
    expect(() => statementText({ text: 'select 1' } as unknown as ReturnType<typeof sql>)).toThrow(TypeError);
  });
});
