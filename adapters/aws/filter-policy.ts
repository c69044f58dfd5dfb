/**
 * The neutral subscription filter translated to an SNS filter policy (attribute scope). Pure: no SDK import, so the
 * CDK constructs reuse it for `FilterPolicy` and the driver for `Subscribe`.
 *
 * The policy is a superset of {@link matchesFilter}: SNS never drops a message the bus would accept, except where SNS
 * cannot see the attribute at all (binary attributes, strings holding numbers in non-canonical form such as `" 5"`
 * or `"5.0"` under numeric conditions; see `adapters/aws/CAPABILITIES.md`). The bus checks every filter again on
 * receive, so anything SNS lets through that the bus would not is acked without reaching the handler.
 *
 * @example
 * ```ts
 * filterPolicyOf({ region: 'eu', total: { range: { gte: 100 } } });
 * // { region: ['eu'], total: [{ numeric: ['>=', 100] }] }
 * ```
 * @module
 */
import { CapabilityError } from '../../core/errors.js';
import { assertFilter, type Condition, type Filter, type NumericRange } from '../../core/filter.js';
import {
  SNS_FILTER_MAX_COMBINATIONS,
  SNS_FILTER_MAX_DECIMALS,
  SNS_FILTER_MAX_KEYS,
  SNS_FILTER_MAX_NUMBER,
} from './limits.js';
import { decimalPlaces } from './numbers.js';

/**
 * One value of an SNS filter policy array.
 *
 * @example
 * ```ts
 * const value: SnsFilterValue = { numeric: ['>=', 100] };
 * ```
 */
export type SnsFilterValue =
  | string
  | { readonly numeric: readonly (string | number)[] }
  | { readonly prefix: string }
  | { readonly exists: boolean };

/**
 * An SNS filter policy (attribute scope): attribute name → accepted values (OR); every key must match (AND).
 *
 * @example
 * ```ts
 * const policy: SnsFilterPolicy = { region: ['eu'], total: [{ numeric: ['>=', 100] }] };
 * ```
 */
export type SnsFilterPolicy = Readonly<Record<string, readonly SnsFilterValue[]>>;

/**
 * A filter SNS cannot express (more than 5 keys, more than 150 combinations, a number outside ±10^9 or with more
 * than 5 decimal places). A {@link CapabilityError}: `CapabilityError.isInstance` is true for it.
 *
 * @example
 * ```ts
 * try { filterPolicyOf(filter); } catch (e) { if (FilterPolicyError.isInstance(e)) console.log(e.limit); }
 * ```
 */
export class FilterPolicyError extends CapabilityError {
  /** The SNS limit that was passed. */
  readonly limit: 'keys' | 'combinations' | 'number';
  /** The attribute the problem is on, when it is on one. */
  readonly key: string | undefined;
  constructor(where: string, limit: FilterPolicyError['limit'], detail: string, key?: string) {
    super('aws', `the filter on ${where}`, `SNS filter policies ${detail}`);
    this.limit = limit;
    this.key = key;
  }
  static override isInstance(value: unknown): value is FilterPolicyError {
    return CapabilityError.isInstance(value) && (value as { limit?: unknown }).limit !== undefined;
  }
}

/**
 * Options of {@link filterPolicyOf}.
 *
 * @example
 * ```ts
 * filterPolicyOf(filter, { where: 'subscription "orders/eu"' });
 * ```
 */
export interface FilterPolicyOptions {
  /** What the filter belongs to, for error messages (default `filter`), e.g. `subscription "orders/eu"`. */
  readonly where?: string;
}

function numericValue(n: number, where: string, key: string): number {
  if (Math.abs(n) > SNS_FILTER_MAX_NUMBER) {
    throw new FilterPolicyError(
      where,
      'number',
      `compare numbers within ±${SNS_FILTER_MAX_NUMBER}; ${key} uses ${n}`,
      key,
    );
  }
  if (decimalPlaces(n) > SNS_FILTER_MAX_DECIMALS) {
    throw new FilterPolicyError(
      where,
      'number',
      `compare numbers with at most ${SNS_FILTER_MAX_DECIMALS} decimal places; ${key} uses ${n}`,
      key,
    );
  }
  return n;
}

/** A string the bus would equal to a number attribute (`String(n) === s`) and SNS can compare numerically. */
function numericTwin(s: string): number | undefined {
  if (s.trim() === '') return undefined;
  const n = Number(s);
  if (!Number.isFinite(n) || String(n) !== s) return undefined;
  if (Math.abs(n) > SNS_FILTER_MAX_NUMBER || decimalPlaces(n) > SNS_FILTER_MAX_DECIMALS) return undefined;
  return n;
}

/** The SNS values one equality accepts: the value itself and its twin of the other type. */
function equalsValues(value: string | number, where: string, key: string): SnsFilterValue[] {
  if (typeof value === 'number') {
    // A Number attribute compares numerically; a String attribute holding the canonical text matches the string.
    return [{ numeric: ['=', numericValue(value, where, key)] }, String(value)];
  }
  const twin = numericTwin(value);
  return twin === undefined ? [value] : [value, { numeric: ['=', twin] }];
}

function rangeValue(r: NumericRange, where: string, key: string): SnsFilterValue {
  const parts: (string | number)[] = [];
  if (r.gt !== undefined) parts.push('>', numericValue(r.gt, where, key));
  if (r.gte !== undefined) parts.push('>=', numericValue(r.gte, where, key));
  if (r.lt !== undefined) parts.push('<', numericValue(r.lt, where, key));
  if (r.lte !== undefined) parts.push('<=', numericValue(r.lte, where, key));
  return { numeric: parts };
}

function valuesOf(condition: Condition, where: string, key: string): SnsFilterValue[] {
  if (typeof condition === 'string' || typeof condition === 'number') {
    return equalsValues(condition, where, key);
  }
  if ('anyOf' in condition) {
    const out: SnsFilterValue[] = [];
    const seen = new Set<string>();
    for (const v of condition.anyOf) {
      for (const value of equalsValues(v, where, key)) {
        const id = JSON.stringify(value);
        if (!seen.has(id)) {
          seen.add(id);
          out.push(value);
        }
      }
    }
    return out;
  }
  if ('prefix' in condition) return [{ prefix: condition.prefix }];
  if ('exists' in condition) return [{ exists: condition.exists }];
  return [rangeValue(condition.range, where, key)];
}

/**
 * Translates a neutral filter to an SNS filter policy; throws {@link FilterPolicyError} when SNS cannot express it
 * and `ValidationError` when the filter is malformed.
 *
 * @example
 * ```ts
 * filterPolicyOf({ tier: { anyOf: ['gold', 7] }, coupon: { exists: false } });
 * // { tier: ['gold', { numeric: ['=', 7] }, '7'], coupon: [{ exists: false }] }
 * ```
 */
export function filterPolicyOf(filter: Filter, options: FilterPolicyOptions = {}): SnsFilterPolicy {
  const where = options.where ?? 'filter';
  assertFilter(filter, where);
  const keys = Object.keys(filter);
  if (keys.length > SNS_FILTER_MAX_KEYS) {
    throw new FilterPolicyError(
      where,
      'keys',
      `allow at most ${SNS_FILTER_MAX_KEYS} keys; this filter has ${keys.length} (${keys.join(', ')})`,
    );
  }
  const policy: Record<string, SnsFilterValue[]> = {};
  let combinations = 1;
  for (const key of keys) {
    const values = valuesOf(filter[key] as Condition, where, key);
    policy[key] = values;
    combinations *= values.length;
  }
  if (combinations > SNS_FILTER_MAX_COMBINATIONS) {
    throw new FilterPolicyError(
      where,
      'combinations',
      `allow at most ${SNS_FILTER_MAX_COMBINATIONS} combinations (the product of the values per key); this filter ` +
        `needs ${combinations} (numbers and numeric-looking strings count twice: SNS compares strings and numbers apart)`,
    );
  }
  return policy;
}

/**
 * The policy as the JSON text `Subscribe` / `SetSubscriptionAttributes` (and CloudFormation) take.
 *
 * @example
 * ```ts
 * filterPolicyJson({ region: 'eu' }); // '{"region":["eu"]}'
 * ```
 */
export function filterPolicyJson(filter: Filter, options: FilterPolicyOptions = {}): string {
  return JSON.stringify(filterPolicyOf(filter, options));
}
