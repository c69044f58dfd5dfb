/**
 * A small seeded pseudo-random generator (mulberry32), so fault injection is deterministic in tests by default.
 *
 * @example
 * ```ts
 * const random = seededRandom(42);
 * random(); // same sequence on every run
 * ```
 * @module
 */

/**
 * Returns a generator of numbers in [0, 1) determined by `seed`.
 *
 * @example
 * ```ts
 * const a = seededRandom(7)(); const b = seededRandom(7)(); // a === b
 * ```
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
