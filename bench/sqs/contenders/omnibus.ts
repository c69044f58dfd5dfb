/**
 * Omnibus on the AWS adapter: `bus.consume` with the contender's concurrency on a queue declared with the shared
 * zod schema (retry, validation and the dead-letter queue as declared by default); the queue and its DLQ exist
 * already (the parent created them), so the bus does not provision.
 *
 * @example
 * ```ts
 * const running = await startOmnibus(config, () => count++);
 * ```
 * @module
 */
import { aws } from '../../../adapters/aws/index.js';
import { createBus, defineQueue } from '../../../core/index.js';
import type { ConsumeChildConfig } from '../types.js';
import { orderEvent } from '../workload.js';
import { type RunningConsumer, sqsClient, WAIT_SECONDS } from './contender.js';

/**
 * Starts an Omnibus consumer.
 *
 * @example
 * ```ts
 * await startOmnibus(config, () => {});
 * ```
 */
export async function startOmnibus(
  config: ConsumeChildConfig,
  handled: () => void,
): Promise<RunningConsumer> {
  const sqs = sqsClient(config);
  const queue = defineQueue(config.queueName, { schema: orderEvent });
  const bus = createBus({ adapter: aws({ sqs, waitTimeSeconds: WAIT_SECONDS }), declarations: [queue] });
  const consumer = bus.consume(
    queue,
    async () => {
      handled();
    },
    { concurrency: config.concurrency, waitSeconds: WAIT_SECONDS },
  );
  return {
    async stop() {
      await consumer.close();
      await bus.close();
      sqs.destroy();
    },
  };
}
