/**
 * Entry of a consume child running the `toolkit` contender (see `../consume-child.ts`).
 *
 * @example
 * ```sh
 * node node_modules/.cache/omnibus-bench/sqs-entries-consume-toolkit.mjs '{"contender":"toolkit",…}'
 * ```
 * @module
 */
import { consumeChild } from '../consume-child.js';
import { startToolkit } from '../contenders/toolkit.js';

await consumeChild(startToolkit);
