/**
 * Numbers as SQS and SNS want them: plain decimal text (no exponent), as `Number` attributes and filter policies
 * carry them. Pure; no SDK import.
 *
 * @example
 * ```ts
 * plainDecimal(1e21);  // '1000000000000000000000'
 * plainDecimal(1e-7);  // '0.0000001'
 * ```
 * @module
 */

/**
 * The decimal text of a finite number without an exponent, with the same digits as `String(n)`.
 *
 * @example
 * ```ts
 * plainDecimal(-2.5e-3); // '-0.0025'
 * ```
 */
export function plainDecimal(n: number): string {
  const text = String(n);
  const e = text.indexOf('e');
  if (e < 0) return text;
  const negative = text.startsWith('-');
  const mantissa = text.slice(negative ? 1 : 0, e);
  const exponent = Number(text.slice(e + 1));
  const dot = mantissa.indexOf('.');
  const digits = mantissa.replace('.', '');
  // Position of the decimal point in `digits` after applying the exponent.
  const point = (dot < 0 ? mantissa.length : dot) + exponent;
  let out: string;
  if (point <= 0) out = `0.${'0'.repeat(-point)}${digits}`;
  else if (point >= digits.length) out = digits + '0'.repeat(point - digits.length);
  else out = `${digits.slice(0, point)}.${digits.slice(point)}`;
  return negative ? `-${out}` : out;
}

/**
 * Digits after the decimal point of a finite number, written plainly.
 *
 * @example
 * ```ts
 * decimalPlaces(12.345); // 3
 * ```
 */
export function decimalPlaces(n: number): number {
  const text = plainDecimal(n);
  const dot = text.indexOf('.');
  return dot < 0 ? 0 : text.length - dot - 1;
}
