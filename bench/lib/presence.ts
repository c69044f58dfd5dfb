/**
 * Which pieces of the project exist yet. Sections that need an adapter, the twin or a function entry say
 * "not measured: <file> does not exist yet" instead of failing while other engineers are still writing them.
 *
 * @example
 * ```ts
 * missingFiles(['adapters/azure/index.ts']); // ['adapters/azure/index.ts'] until it lands
 * ```
 * @module
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './build.js';

/**
 * The files of `paths` (relative to the repository root) that do not exist.
 *
 * @example
 * ```ts
 * missingFiles(['core/index.ts']); // []
 * ```
 */
export function missingFiles(paths: readonly string[]): string[] {
  return paths.filter((p) => !existsSync(join(ROOT, p)));
}

/**
 * A "does not exist yet" reason for missing files, or undefined when all exist.
 *
 * @example
 * ```ts
 * absenceReason(['adapters/azure/index.ts']); // 'adapters/azure/index.ts does not exist yet'
 * ```
 */
export function absenceReason(paths: readonly string[]): string | undefined {
  const missing = missingFiles(paths);
  if (missing.length === 0) return undefined;
  return `${missing.join(', ')} ${missing.length === 1 ? 'does' : 'do'} not exist yet`;
}
