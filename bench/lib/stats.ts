/**
 * Summary statistics for repeated measurements: median, min and max (no means: a shared, noisy machine produces
 * outliers that a mean would smear into every figure).
 *
 * @example
 * ```ts
 * const s = summarize([410, 395, 402]); // { median: 402, min: 395, max: 410, n: 3, samples: [...] }
 * ratio(s, summarize([800, 790, 805])); // 0.503…
 * ```
 * @module
 */

/** Median, range and the samples themselves of one measured quantity. */
export interface Summary {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly n: number;
  readonly samples: readonly number[];
}

/**
 * Summarizes samples; throws on an empty list (a figure without a sample must read "not measured", never 0).
 *
 * @example
 * ```ts
 * summarize([3, 1, 2]).median; // 2
 * ```
 */
export function summarize(samples: readonly number[]): Summary {
  const finite = samples.filter((s) => Number.isFinite(s));
  if (finite.length === 0) throw new Error('summarize: no finite samples');
  const sorted = [...finite].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median =
    sorted.length % 2 === 1
      ? (sorted[mid] as number)
      : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  return {
    median,
    min: sorted[0] as number,
    max: sorted[sorted.length - 1] as number,
    n: sorted.length,
    samples: finite,
  };
}

/**
 * The ratio of two medians (`a / b`), e.g. Omnibus throughput over the raw loop's from the same run.
 *
 * @example
 * ```ts
 * ratio(summarize([50]), summarize([100])); // 0.5
 * ```
 */
export function ratio(a: Summary, b: Summary): number {
  return a.median / b.median;
}

/**
 * Per-round ratios (`a[i] / b[i]`) of two contenders measured in the same interleaved rounds, summarized: the
 * spread of the ratio itself, which pairs each sample with its neighbour in time.
 *
 * @example
 * ```ts
 * pairedRatio([50, 60], [100, 100]).median; // 0.55
 * ```
 */
export function pairedRatio(a: readonly number[], b: readonly number[]): Summary {
  const n = Math.min(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push((a[i] as number) / (b[i] as number));
  return summarize(out);
}
