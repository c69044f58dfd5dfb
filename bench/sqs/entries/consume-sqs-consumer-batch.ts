/**
 * Entry of a consume child running `sqs-consumer` in batch mode (see `../consume-child.ts`).
 *
 * @example
 * ```sh
 * node node_modules/.cache/omnibus-bench/sqs-entries-consume-sqs-consumer-batch.mjs '{"contender":"sqs-consumer-batch",…}'
 * ```
 * @module
 */
import { consumeChild } from '../consume-child.js';
import { startSqsConsumer } from '../contenders/sqs-consumer.js';

await consumeChild((config, handled) => startSqsConsumer(config, handled, 'batch'));
