/**
 * Translates the neutral filter (core/filter.ts) to a Pub/Sub subscription filter expression.
 *
 * The server filter must never drop a message the neutral filter accepts (Pub/Sub acknowledges filtered-out
 * messages for good), so every condition is either translated exactly or left to the client-side check that core
 * runs on every delivery anyway:
 * - equals (text) → `attributes.k = "v"`; anyOf (text) → `(attributes.k = "a" OR attributes.k = "b")`;
 *   prefix → `hasPrefix(attributes.k, "p")`; exists → `attributes:k` / `NOT attributes:k`.
 * - Numeric equality and ranges stay client-side: Pub/Sub compares attribute text, and `"5.0"` or `"05"` from a
 *   plain client are numerically equal to 5 but not textually.
 * - Conditions whose text holds control characters stay client-side (the escape syntax is not needed elsewhere).
 * - The expression is capped at 256 bytes: conditions that would pass it stay client-side (an AND of fewer
 *   conditions matches a superset, so nothing is lost).
 * Keys made of letters, digits, `-` and `_` are written bare, others as string literals (`attributes."a.b"`).
 *
 * @example
 * ```ts
 * toFilterExpression({ region: 'eu', tier: { anyOf: ['gold', 'silver'] } }).expression;
 * // 'attributes.region = "eu" AND (attributes.tier = "gold" OR attributes.tier = "silver")'
 * ```
 * @module
 */
import { type Condition, conditionKind, type Filter } from '../../core/filter.js';
import { MAX_FILTER_BYTES } from './limits.js';

/** A condition left to the client-side check, and why. */
export interface ClientOnlyCondition {
  readonly attribute: string;
  readonly reason: string;
}

/** The result of {@link toFilterExpression}. */
export interface FilterTranslation {
  /** The Pub/Sub filter expression, or undefined when no condition goes to the server. */
  readonly expression: string | undefined;
  /** Attributes whose condition the server applies. */
  readonly serverSide: readonly string[];
  /** Conditions only the client-side check applies. */
  readonly clientOnly: readonly ClientOnlyCondition[];
}

const BARE_KEY = /^[A-Za-z0-9_-]+$/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: detecting control characters is the point
const CONTROL = /[\u0000-\u001f\u007f]/;

/** A string literal: backslashes and double quotes escaped (Pub/Sub filter syntax). */
function literal(text: string): string {
  return `"${text.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
}

function field(key: string): string {
  return BARE_KEY.test(key) ? `attributes.${key}` : `attributes.${literal(key)}`;
}

function presence(key: string): string {
  return BARE_KEY.test(key) ? `attributes:${key}` : `attributes:${literal(key)}`;
}

/** One condition as an expression term, or the reason it stays client-side. */
function term(key: string, condition: Condition): { term: string } | { reason: string } {
  if (CONTROL.test(key)) return { reason: 'the attribute name holds control characters' };
  const kind = conditionKind(condition);
  if (kind === 'equals') {
    if (typeof condition === 'number') return { reason: 'numeric equality compares numbers, not text' };
    const value = condition as string;
    if (CONTROL.test(value)) return { reason: 'the value holds control characters' };
    return { term: `${field(key)} = ${literal(value)}` };
  }
  if (kind === 'anyOf') {
    const values = (condition as { anyOf: readonly (string | number)[] }).anyOf;
    if (values.some((v) => typeof v === 'number'))
      return { reason: 'numeric equality compares numbers, not text' };
    if (values.some((v) => CONTROL.test(v as string))) return { reason: 'a value holds control characters' };
    const alternatives = [...new Set(values as readonly string[])].map(
      (v) => `${field(key)} = ${literal(v)}`,
    );
    return {
      term: alternatives.length === 1 ? (alternatives[0] as string) : `(${alternatives.join(' OR ')})`,
    };
  }
  if (kind === 'prefix') {
    const prefix = (condition as { prefix: string }).prefix;
    if (CONTROL.test(prefix)) return { reason: 'the prefix holds control characters' };
    return { term: `hasPrefix(${field(key)}, ${literal(prefix)})` };
  }
  if (kind === 'exists') {
    return { term: (condition as { exists: boolean }).exists ? presence(key) : `NOT ${presence(key)}` };
  }
  return { reason: 'numeric ranges are not expressible in Pub/Sub filters' };
}

/**
 * Translates a neutral filter to a Pub/Sub filter expression of at most `maxBytes` bytes; see the module notes.
 *
 * @example
 * ```ts
 * toFilterExpression({ coupon: { exists: false }, total: { range: { gte: 100 } } });
 * // { expression: 'NOT attributes:coupon', serverSide: ['coupon'], clientOnly: [{ attribute: 'total', … }] }
 * ```
 */
export function toFilterExpression(filter: Filter, maxBytes: number = MAX_FILTER_BYTES): FilterTranslation {
  const terms: string[] = [];
  const serverSide: string[] = [];
  const clientOnly: ClientOnlyCondition[] = [];
  let bytes = 0;
  for (const key of Object.keys(filter)) {
    const result = term(key, filter[key] as Condition);
    if ('reason' in result) {
      clientOnly.push({ attribute: key, reason: result.reason });
      continue;
    }
    const added = Buffer.byteLength(result.term, 'utf8') + (terms.length > 0 ? ' AND '.length : 0);
    if (bytes + added > maxBytes) {
      clientOnly.push({ attribute: key, reason: `the expression would pass ${maxBytes} bytes` });
      continue;
    }
    terms.push(result.term);
    serverSide.push(key);
    bytes += added;
  }
  return { expression: terms.length > 0 ? terms.join(' AND ') : undefined, serverSide, clientOnly };
}
