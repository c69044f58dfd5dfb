/**
 * The Omnibus contender on Service Bus (the twin): a queue declared with the shared zod schema (native
 * dead-lettering), `bus.send` per message (auto-batched) and `bus.consume` with the same concurrency. The twin
 * creates entities when a link attaches to them (it has no administration API), so the bus does not provision.
 *
 * @example
 * ```sh
 * node node_modules/.cache/omnibus-bench/servicebus-entries-omnibus.mjs '{"name":"bench-1","connectionString":"Endpoint=sb://…",…}'
 * ```
 * @module
 */
import { azure } from '../../../adapters/azure/index.js';
import { createBus, defineQueue } from '../../../core/index.js';
import { type FlowConfig, flowChild } from '../../lib/flow-child.js';
import { orderEvent, orderEventBody } from '../../sqs/workload.js';

interface Config extends FlowConfig {
  readonly connectionString: string;
}

await flowChild<Config>(async (config) => {
  const queue = defineQueue(config.name, { schema: orderEvent, leaseSeconds: 30 });
  const bus = createBus({
    adapter: azure({ connectionString: config.connectionString }),
    declarations: [queue],
  });
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
