/**
 * Entry of a consume child running the `omnibus` contender (see `../consume-child.ts`).
 *
 * @example
 * ```sh
 * node node_modules/.cache/omnibus-bench/sqs-entries-consume-omnibus.mjs '{"contender":"omnibus",…}'
 * ```
 * @module
 */
import { consumeChild } from '../consume-child.js';
import { startOmnibus } from '../contenders/omnibus.js';

await consumeChild(startOmnibus);
