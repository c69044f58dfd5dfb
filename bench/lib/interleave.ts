/**
 * Interleaved rounds: every contender runs once per round (A B C, A B C, …), and the order rotates each round so
 * that no contender always runs first (after a quiet spell) or last (after the others warmed the caches). An
 * optional time budget stops starting new rounds (whole rounds only, so every contender has as many samples) once
 * another round would not fit, after a minimum number of rounds.
 *
 * @example
 * ```ts
 * const samples = await interleave(['raw', 'omnibus'], 3, async (name, round) => measure(name));
 * samples.get('raw'); // three results, one per round
 * ```
 * @module
 */

/** Options of {@link interleave}. */
export interface InterleaveOptions {
  /** Stop starting rounds when the next one (estimated from the mean so far) would end past this, ms. */
  readonly budgetMs?: number;
  /** Rounds run whatever the budget (default 1). */
  readonly minRounds?: number;
}

/**
 * Runs `run(contender, round)` for up to `rounds` rounds, each contender once per round in rotating order, and
 * returns each contender's results in round order.
 *
 * @example
 * ```ts
 * await interleave(['a', 'b'], 2, async (c) => c.length); // Map { 'a' => [1, 1], 'b' => [1, 1] }
 * await interleave(['a', 'b'], 5, run, { budgetMs: 60_000, minRounds: 2 });
 * ```
 */
export async function interleave<C extends string, T>(
  contenders: readonly C[],
  rounds: number,
  run: (contender: C, round: number) => Promise<T>,
  options: InterleaveOptions = {},
): Promise<Map<C, T[]>> {
  const results = new Map<C, T[]>(contenders.map((c) => [c, []]));
  const started = performance.now();
  const minRounds = options.minRounds ?? 1;
  for (let round = 0; round < rounds; round++) {
    if (round >= minRounds && options.budgetMs !== undefined) {
      const elapsed = performance.now() - started;
      if (elapsed + elapsed / round > options.budgetMs) break;
    }
    const shift = round % Math.max(1, contenders.length);
    const order = [...contenders.slice(shift), ...contenders.slice(0, shift)];
    for (const contender of order) results.get(contender)?.push(await run(contender, round));
  }
  return results;
}
