/**
 * What every section of the benchmark returns: measured figures (as plain JSON, for tracking), the Markdown that
 * goes into RESULTS.md, headline numbers for the summary, and targets met or missed — or a plain "not measured"
 * reason when a piece it needs does not exist yet or could not run.
 *
 * @example
 * ```ts
 * const outcome: SectionOutcome = notMeasured('sqs', 'SQS on moto', 'moto_server not found');
 * ```
 * @module
 */

/** A target from the issue, checked against this run's figures (a goal, never an assertion). */
export interface TargetCheck {
  /** What the goal says, e.g. `memory pipeline ≥ 0.5× the raw loop`. */
  readonly goal: string;
  /** What this run measured, e.g. `0.07×`. */
  readonly measured: string;
  readonly met: boolean;
  /** When missed: by how much and why (and what would fix it). */
  readonly note?: string;
}

/** The outcome of one section. */
export interface SectionOutcome {
  readonly id: string;
  readonly title: string;
  /** `partial`: some contenders or sub-parts could not run (their reasons are in `missing`). */
  readonly status: 'measured' | 'partial' | 'not-measured';
  /** Why nothing (or not everything) was measured. */
  readonly missing: readonly string[];
  /** The section's Markdown body (without its heading). */
  readonly markdown: string;
  /** Figures for the JSON file. */
  readonly data: unknown;
  /** One-line headline figures for the summary paragraph. */
  readonly headlines: readonly string[];
  readonly targets: readonly TargetCheck[];
  /** Wall time the section took, ms. */
  readonly elapsedMs: number;
}

/**
 * A section that measured nothing, with its reason(s).
 *
 * @example
 * ```ts
 * notMeasured('servicebus', 'Service Bus on the twin', 'adapters/azure/index.ts does not exist yet');
 * ```
 */
export function notMeasured(id: string, title: string, ...reasons: string[]): SectionOutcome {
  return {
    id,
    title,
    status: 'not-measured',
    missing: reasons,
    markdown: reasons.map((r) => `Not measured: ${r}.`).join('\n\n'),
    data: { notMeasured: reasons },
    headlines: [],
    targets: [],
    elapsedMs: 0,
  };
}

/**
 * Runs a section, turning an unexpected failure into a "not measured" outcome with the error, and timing it.
 *
 * @example
 * ```ts
 * const outcome = await guarded('memory', 'Memory pipeline', () => runMemorySection(options));
 * ```
 */
export async function guarded(
  id: string,
  title: string,
  run: () => Promise<SectionOutcome>,
): Promise<SectionOutcome> {
  const started = performance.now();
  try {
    const outcome = await run();
    return { ...outcome, elapsedMs: performance.now() - started };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return {
      ...notMeasured(id, title, `the run failed: ${message}`),
      elapsedMs: performance.now() - started,
    };
  }
}
