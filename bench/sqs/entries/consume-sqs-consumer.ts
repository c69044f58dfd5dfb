/**
 * Entry of a consume child running `sqs-consumer` in message mode (see `../consume-child.ts`).
 *
 * @example
 * ```sh
 * node node_modules/.cache/omnibus-bench/sqs-entries-consume-sqs-consumer.mjs '{"contender":"sqs-consumer",…}'
 * ```
 * @module
 */
import { consumeChild } from '../consume-child.js';
import { startSqsConsumer } from '../contenders/sqs-consumer.js';

await consumeChild((config, handled) => startSqsConsumer(config, handled, 'message'));
