/**
 * The record of one `npm run bench`: when and where it ran, how long it took, and every section's outcome. It is
 * written as JSON (`bench/results/latest.json`, for tracking) and rendered as `bench/RESULTS.md`.
 *
 * @example
 * ```ts
 * const record: RunRecord = { startedAt, elapsedMs, machine, loadAtEnd, command, services, sections };
 * ```
 * @module
 */
import type { MachineInfo } from '../lib/machine.js';
import type { SectionOutcome } from '../lib/section.js';

/** One run of the benchmark. */
export interface RunRecord {
  /** ISO time the run started. */
  readonly startedAt: string;
  readonly elapsedMs: number;
  /** The machine at the start (its `load` is the load average then). */
  readonly machine: MachineInfo;
  /** 1-minute load average at the end. */
  readonly loadAtEnd: number;
  /** The command line. */
  readonly command: string;
  /** Where each service came from. */
  readonly services: readonly string[];
  readonly sections: readonly SectionOutcome[];
  /** `BENCH_OVERRIDE` replacements in force (`path=file`), empty for a run of the tree as it is. */
  readonly overrides: readonly string[];
}
