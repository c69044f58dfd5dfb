/**
 * The demo's declarations as the example deploys and runs them: the same `declarations(prefix)` the demo uses, with
 * the prefix the stack passes to every function in `DEMO_PREFIX`. Shared by the stack and the handlers.
 *
 * @example
 * ```ts
 * const decls = pipeline(); // declarations(process.env.DEMO_PREFIX ?? 'omnibus-demo')
 * ```
 * @module
 */
import { type Declarations, declarations } from '../../demo/declarations.js';

/**
 * The default entity name prefix (queues `omnibus-demo-checkout`, …).
 *
 * @example
 * ```ts
 * pipeline(DEFAULT_PREFIX).checkout.name; // 'omnibus-demo-checkout'
 * ```
 */
export const DEFAULT_PREFIX = 'omnibus-demo';

/**
 * The variable carrying the prefix into the functions.
 *
 * @example
 * ```ts
 * process.env[PREFIX_VARIABLE]; // 'omnibus-demo' inside a deployed function
 * ```
 */
export const PREFIX_VARIABLE = 'DEMO_PREFIX';

/**
 * The demo's declarations with `prefix` (default: `DEMO_PREFIX`, else {@link DEFAULT_PREFIX}).
 *
 * @example
 * ```ts
 * pipeline('shop').checkout.name; // 'shop-checkout'
 * ```
 */
export function pipeline(prefix = process.env[PREFIX_VARIABLE] ?? DEFAULT_PREFIX): Declarations {
  return declarations(prefix);
}
