/**
 * Number formatting for the report: rates, durations, sizes and ratios, always with the range beside the median.
 *
 * @example
 * ```ts
 * rate(12345.6); // '12,346/s'
 * withRange(summary, rate); // '12,346/s (11,900–12,800)'
 * ```
 * @module
 */
import type { Summary } from './stats.js';

const grouped = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/**
 * A whole number with thousands separators.
 *
 * @example
 * ```ts
 * int(1234567.8); // '1,234,568'
 * ```
 */
export function int(value: number): string {
  return grouped.format(value);
}

/**
 * A number with `digits` significant decimals for small values, grouped for large ones.
 *
 * @example
 * ```ts
 * num(0.01234); // '0.0123'; num(42.42); // '42.4'; num(4242.4); // '4,242'
 * ```
 */
export function num(value: number): string {
  const a = Math.abs(value);
  if (a >= 1000) return int(value);
  if (a >= 100) return value.toFixed(0);
  if (a >= 10) return value.toFixed(1);
  if (a >= 1) return value.toFixed(2);
  return value.toPrecision(3);
}

/**
 * Messages per second.
 *
 * @example
 * ```ts
 * rate(512.3); // '512/s'
 * ```
 */
export function rate(value: number): string {
  return `${value >= 100 ? int(value) : num(value)}/s`;
}

/**
 * Milliseconds.
 *
 * @example
 * ```ts
 * ms(12.345); // '12.3 ms'
 * ```
 */
export function ms(value: number): string {
  return `${num(value)} ms`;
}

/**
 * Microseconds.
 *
 * @example
 * ```ts
 * us(123.4); // '123 µs'
 * ```
 */
export function us(value: number): string {
  return `${num(value)} µs`;
}

/**
 * Bytes as B, KiB or MiB.
 *
 * @example
 * ```ts
 * bytes(2048); // '2.00 KiB'
 * ```
 */
export function bytes(value: number): string {
  if (Math.abs(value) >= 1024 * 1024) return `${num(value / (1024 * 1024))} MiB`;
  if (Math.abs(value) >= 1024) return `${num(value / 1024)} KiB`;
  return `${num(value)} B`;
}

/**
 * A ratio with a multiplication sign.
 *
 * @example
 * ```ts
 * times(0.4567); // '0.46×'
 * ```
 */
export function times(value: number): string {
  return `${value >= 10 ? value.toFixed(1) : value.toFixed(2)}×`;
}

/**
 * A summary as `median (min–max)` with the given unit formatter.
 *
 * @example
 * ```ts
 * withRange({ median: 10, min: 9, max: 12, n: 3, samples: [] }, ms); // '10.0 ms (9.00–12.0)'
 * ```
 */
export function withRange(summary: Summary, unit: (value: number) => string): string {
  const bare = (v: number) =>
    unit(v)
      .replace(/[^\d.,–-]+$/u, '')
      .trim();
  if (summary.n < 2) return unit(summary.median);
  return `${unit(summary.median)} (${bare(summary.min)}–${bare(summary.max)})`;
}
