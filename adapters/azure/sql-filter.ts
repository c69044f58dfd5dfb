/**
 * The neutral filter translated to a Service Bus SQL filter (a pure function; no SDK). Every attribute is read in the
 * user scope with a delimited name (`user.[order-id]`), strings are quoted with `''` escapes, prefixes become
 * `LIKE 'p%' ESCAPE '!'` with `%`, `_` and `!` escaped.
 *
 * | Neutral                          | SQL                                                                  |
 * | -------------------------------- | -------------------------------------------------------------------- |
 * | `region: 'eu'`                   | `user.[region] = 'eu'`                                               |
 * | `n: 5`                           | `(user.[n] = 5 OR user.[n] = '5')`                                   |
 * | `tier: { anyOf: ['a', 'b'] }`    | `user.[tier] IN ('a', 'b')`                                          |
 * | `sku: { prefix: 'BK-' }`         | `user.[sku] LIKE 'BK-%' ESCAPE '!'`                                   |
 * | `coupon: { exists: true }`       | `EXISTS(user.[coupon])` (`NOT EXISTS(…)` for `false`)                |
 * | `total: { range: { gte: 1, lt: 5 } }` | `(user.[total] >= 1 AND user.[total] < 5)`                      |
 *
 * Conditions are ANDed. Where the bus's in-process check is looser than SQL, the server is stricter: a number
 * matches a number property or its canonical text (`'5'`), not other spellings (`'5.0'`, `' 5'`); a range matches
 * number properties only. The bus checks every filter on receive as well.
 *
 * @example
 * ```ts
 * sqlFilterOf({ region: 'eu', total: { range: { gt: 10 } } });
 * // "user.[region] = 'eu' AND user.[total] > 10"
 * ```
 * @module
 */
import { assertFilter, type Condition, conditionKind, type Filter } from '../../core/filter.js';

/** Escape character used in LIKE patterns. */
export const LIKE_ESCAPE = '!';

/**
 * A property reference in the user scope: `user.[name]`, with `]` doubled.
 *
 * @example
 * ```ts
 * sqlProperty('order-id'); // 'user.[order-id]'
 * ```
 */
export function sqlProperty(name: string): string {
  return `user.[${name.replaceAll(']', ']]')}]`;
}

/**
 * A SQL string literal with quotes doubled.
 *
 * @example
 * ```ts
 * sqlString("it's"); // "'it''s'"
 * ```
 */
export function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/**
 * A SQL number literal (finite numbers only; exponent form for very large or small magnitudes).
 *
 * @example
 * ```ts
 * sqlNumber(-12.5); // '-12.5'
 * ```
 */
export function sqlNumber(value: number): string {
  if (!Number.isFinite(value)) throw new RangeError(`${value} is not a finite number`);
  return Object.is(value, -0) ? '0' : String(value);
}

/** The text a number has in attributes when sent as a string (the bus's equality accepts it). */
function canonicalNumberText(value: number): string {
  return Object.is(value, -0) ? '0' : String(value);
}

/** A string that is the canonical text of a finite number (`'5'`, `'-1.5'`), as a number; else undefined. */
function numberOfCanonicalText(text: string): number | undefined {
  if (text.trim() !== text || text === '') return undefined;
  const n = Number(text);
  return Number.isFinite(n) && String(n) === text ? n : undefined;
}

function likePrefix(prefix: string): string {
  const escaped = prefix.replace(/[%_!]/g, (c) => `${LIKE_ESCAPE}${c}`);
  return `${sqlString(`${escaped}%`)} ESCAPE ${sqlString(LIKE_ESCAPE)}`;
}

function equalsSql(property: string, value: string | number): string {
  if (typeof value === 'number') {
    // The bus matches a number condition against number properties and numeric text; SQL compares by type.
    return `(${property} = ${sqlNumber(value)} OR ${property} = ${sqlString(canonicalNumberText(value))})`;
  }
  const n = numberOfCanonicalText(value);
  return n === undefined
    ? `${property} = ${sqlString(value)}`
    : `(${property} = ${sqlString(value)} OR ${property} = ${sqlNumber(n)})`;
}

function anyOfSql(property: string, values: readonly (string | number)[]): string {
  const strings = new Set<string>();
  const numbers = new Set<number>();
  for (const v of values) {
    if (typeof v === 'number') {
      numbers.add(v);
      strings.add(canonicalNumberText(v));
    } else {
      strings.add(v);
      const n = numberOfCanonicalText(v);
      if (n !== undefined) numbers.add(n);
    }
  }
  const parts: string[] = [];
  if (strings.size > 0) parts.push(`${property} IN (${[...strings].map(sqlString).join(', ')})`);
  if (numbers.size > 0) parts.push(`${property} IN (${[...numbers].map(sqlNumber).join(', ')})`);
  return parts.length === 1 ? (parts[0] as string) : `(${parts.join(' OR ')})`;
}

/**
 * The SQL of one condition on one attribute.
 *
 * @example
 * ```ts
 * conditionSql('sku', { prefix: '50%_off' }); // "user.[sku] LIKE '50!%!_off%' ESCAPE '!'"
 * ```
 */
export function conditionSql(name: string, condition: Condition): string {
  const property = sqlProperty(name);
  const kind = conditionKind(condition);
  switch (kind) {
    case 'equals':
      return equalsSql(property, condition as string | number);
    case 'anyOf':
      return anyOfSql(property, (condition as { anyOf: readonly (string | number)[] }).anyOf);
    case 'prefix':
      return `${property} LIKE ${likePrefix((condition as { prefix: string }).prefix)}`;
    case 'exists':
      return (condition as { exists: boolean }).exists ? `EXISTS(${property})` : `NOT EXISTS(${property})`;
    default: {
      const r = (condition as { range: { gt?: number; gte?: number; lt?: number; lte?: number } }).range;
      const bounds: string[] = [];
      if (r.gt !== undefined) bounds.push(`${property} > ${sqlNumber(r.gt)}`);
      if (r.gte !== undefined) bounds.push(`${property} >= ${sqlNumber(r.gte)}`);
      if (r.lt !== undefined) bounds.push(`${property} < ${sqlNumber(r.lt)}`);
      if (r.lte !== undefined) bounds.push(`${property} <= ${sqlNumber(r.lte)}`);
      return bounds.length === 1 ? (bounds[0] as string) : `(${bounds.join(' AND ')})`;
    }
  }
}

/**
 * Translates a neutral filter to a Service Bus SQL filter expression (conditions ANDed, in key order). Throws a
 * `ValidationError` naming the attribute for a malformed filter.
 *
 * @example
 * ```ts
 * sqlFilterOf({ coupon: { exists: true }, gift: { exists: false } });
 * // 'EXISTS(user.[coupon]) AND NOT EXISTS(user.[gift])'
 * ```
 */
export function sqlFilterOf(filter: Filter, field = 'filter'): string {
  assertFilter(filter, field);
  return Object.keys(filter)
    .map((name) => conditionSql(name, filter[name] as Condition))
    .join(' AND ');
}
