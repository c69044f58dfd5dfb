/**
 * The neutral subscription filter: one syntax over attributes, translated by each adapter to SNS filter policies,
 * Pub/Sub filter expressions and Service Bus SQL rules, and evaluated in-process by {@link matchesFilter}.
 *
 * A filter is an object of attribute names to conditions; every condition must hold (AND).
 *
 * @example
 * ```ts
 * const filter: Filter = {
 *   region: 'eu',                        // equals
 *   tier: { anyOf: ['gold', 'silver'] }, // any of
 *   sku: { prefix: 'BK-' },              // prefix
 *   coupon: { exists: false },           // absent
 *   total: { range: { gte: 100 } },      // numeric range
 * };
 * ```
 * @module
 */
import type { Attributes, AttributeValue } from './attributes.js';
import { ValidationError } from './errors.js';

/** Numeric bounds; at least one must be given. */
export interface NumericRange {
  readonly gt?: number;
  readonly gte?: number;
  readonly lt?: number;
  readonly lte?: number;
}

/** One condition on one attribute. */
export type Condition =
  | string
  | number
  | { readonly anyOf: readonly (string | number)[] }
  | { readonly prefix: string }
  | { readonly exists: boolean }
  | { readonly range: NumericRange };

/** A neutral filter: attribute name → condition, all of which must hold. */
export type Filter = Readonly<Record<string, Condition>>;

/** The condition kinds, for translators. */
export type ConditionKind = 'equals' | 'anyOf' | 'prefix' | 'exists' | 'range';

/**
 * Classifies a condition, for translators that switch on its kind.
 *
 * @example
 * ```ts
 * conditionKind({ prefix: 'a' }); // 'prefix'
 * ```
 */
export function conditionKind(condition: Condition): ConditionKind {
  if (typeof condition === 'string' || typeof condition === 'number') return 'equals';
  if ('anyOf' in condition) return 'anyOf';
  if ('prefix' in condition) return 'prefix';
  if ('exists' in condition) return 'exists';
  return 'range';
}

function bad(field: string, message: string): never {
  throw new ValidationError(field, [{ message }]);
}

/**
 * Checks a filter's shape; throws {@link ValidationError} naming the attribute and the problem.
 *
 * @example
 * ```ts
 * assertFilter({ total: { range: {} } }); // throws: filter.total is invalid: range needs at least one bound
 * ```
 */
export function assertFilter(filter: Filter, field = 'filter'): void {
  const keys = Object.keys(filter);
  if (keys.length === 0) bad(field, 'a filter needs at least one attribute condition');
  for (const key of keys) {
    const where = `${field}.${key}`;
    const c = filter[key] as Condition;
    if (typeof c === 'number' && !Number.isFinite(c)) bad(where, 'equals needs a finite number');
    if (typeof c === 'string' || typeof c === 'number') continue;
    if (typeof c !== 'object' || c === null) bad(where, 'a condition is a string, a number or an object');
    const kind = conditionKind(c);
    if (Object.keys(c).length !== 1)
      bad(where, 'a condition object has exactly one of anyOf, prefix, exists, range');
    if (kind === 'anyOf') {
      const values = (c as { anyOf: unknown }).anyOf;
      if (!Array.isArray(values) || values.length === 0) bad(where, 'anyOf needs a non-empty array');
      for (const v of values) {
        if (typeof v !== 'string' && !(typeof v === 'number' && Number.isFinite(v)))
          bad(where, 'anyOf values are strings or finite numbers');
      }
    } else if (kind === 'prefix') {
      const p = (c as { prefix: unknown }).prefix;
      if (typeof p !== 'string' || p === '') bad(where, 'prefix needs a non-empty string');
    } else if (kind === 'exists') {
      if (typeof (c as { exists: unknown }).exists !== 'boolean') bad(where, 'exists needs true or false');
    } else {
      const r = (c as { range: NumericRange }).range;
      const bounds = ['gt', 'gte', 'lt', 'lte'] as const;
      const given = bounds.filter((b) => r?.[b] !== undefined);
      if (given.length === 0) bad(where, 'range needs at least one bound (gt, gte, lt, lte)');
      for (const b of given) if (!Number.isFinite(r[b])) bad(where, `range.${b} must be a finite number`);
      if (r.gt !== undefined && r.gte !== undefined) bad(where, 'range takes gt or gte, not both');
      if (r.lt !== undefined && r.lte !== undefined) bad(where, 'range takes lt or lte, not both');
      for (const key of Object.keys(r))
        if (!bounds.includes(key as never)) bad(where, `range has unknown bound ${key}`);
    }
  }
}

function asNumber(value: AttributeValue): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value.trim() !== '') {
    const n = Number(value);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

function equals(value: AttributeValue, expected: string | number): boolean {
  if (typeof expected === 'number') return asNumber(value) === expected;
  return typeof value === 'string'
    ? value === expected
    : typeof value === 'number' && String(value) === expected;
}

/**
 * True when attributes satisfy the filter (every condition holds). Binary values match only `exists`.
 *
 * @example
 * ```ts
 * matchesFilter({ region: 'eu' }, { region: 'eu', x: 1 }); // true
 * ```
 */
export function matchesFilter(filter: Filter, attributes: Attributes): boolean {
  for (const key in filter) {
    const c = filter[key] as Condition;
    const value = attributes[key];
    if (typeof c === 'object' && 'exists' in c) {
      if ((value !== undefined) !== c.exists) return false;
      continue;
    }
    if (value === undefined) return false;
    if (typeof c === 'string' || typeof c === 'number') {
      if (!equals(value, c)) return false;
    } else if ('anyOf' in c) {
      if (!c.anyOf.some((v) => equals(value, v))) return false;
    } else if ('prefix' in c) {
      if (typeof value !== 'string' || !value.startsWith(c.prefix)) return false;
    } else {
      const n = asNumber(value);
      if (n === undefined) return false;
      const r = c.range;
      if (r.gt !== undefined && !(n > r.gt)) return false;
      if (r.gte !== undefined && !(n >= r.gte)) return false;
      if (r.lt !== undefined && !(n < r.lt)) return false;
      if (r.lte !== undefined && !(n <= r.lte)) return false;
    }
  }
  return true;
}
