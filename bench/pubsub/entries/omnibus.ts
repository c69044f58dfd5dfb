/**
 * The Omnibus contender on Pub/Sub: a queue declared with the shared zod schema (dead-letter queue by default),
 * provisioned by the bus, `bus.send` per message (auto-batched) and `bus.consume` with the same concurrency.
 *
 * @example
 * ```sh
 * PUBSUB_EMULATOR_HOST=127.0.0.1:8085 node node_modules/.cache/omnibus-bench/pubsub-entries-omnibus.mjs '{"name":"bench-1",…}'
 * ```
 * @module
 */
import { gcp } from '../../../adapters/gcp/index.js';
import { createBus, defineQueue } from '../../../core/index.js';
import { type FlowConfig, flowChild } from '../../lib/flow-child.js';
import { orderEvent, orderEventBody } from '../../sqs/workload.js';

interface Config extends FlowConfig {
  readonly projectId: string;
}

await flowChild<Config>(async (config) => {
  const queue = defineQueue(config.name, { schema: orderEvent, leaseSeconds: 30 });
  const bus = createBus({ adapter: gcp({ projectId: config.projectId }), declarations: [queue] });
  await bus.provision();
  let consumer: { close(): Promise<void> } | undefined;
  return {
    async publish(ids) {
      await Promise.all(ids.map((i) => bus.send(queue, orderEventBody(i))));
    },
    async consume(handled) {
      consumer = bus.consume(
        queue,
        async () => {
          handled();
        },
        { concurrency: config.concurrency },
      );
    },
    async close() {
      await consumer?.close();
      await bus.close();
    },
  };
});
