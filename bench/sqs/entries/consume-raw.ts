/**
 * Entry of a consume child running the `raw` contender (see `../consume-child.ts`).
 *
 * @example
 * ```sh
 * node node_modules/.cache/omnibus-bench/sqs-entries-consume-raw.mjs '{"contender":"raw",…}'
 * ```
 * @module
 */
import { consumeChild } from '../consume-child.js';
import { startRaw } from '../contenders/raw.js';

await consumeChild(startRaw);
