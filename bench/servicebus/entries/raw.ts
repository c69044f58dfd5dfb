/**
 * The raw `@azure/service-bus` contender: a sender that packs each burst into one `ServiceBusMessageBatch` (what
 * the Omnibus adapter's batching does), and a receiver subscribed with `maxConcurrentCalls` = concurrency that
 * validates each body and completes it (auto-complete).
 *
 * @example
 * ```sh
 * node node_modules/.cache/omnibus-bench/servicebus-entries-raw.mjs '{"name":"bench-1","connectionString":"Endpoint=sb://…",…}'
 * ```
 * @module
 */
import { ServiceBusClient, type ServiceBusMessage } from '@azure/service-bus';
import { type FlowConfig, flowChild } from '../../lib/flow-child.js';
import { orderEvent, orderEventBody } from '../../sqs/workload.js';

interface Config extends FlowConfig {
  readonly connectionString: string;
}

await flowChild<Config>(async (config) => {
  const client = new ServiceBusClient(config.connectionString);
  const sender = client.createSender(config.name);
  const receiver = client.createReceiver(config.name);
  const errors: unknown[] = [];
  let subscription: { close(): Promise<void> } | undefined;
  return {
    async publish(ids) {
      let batch = await sender.createMessageBatch();
      for (const i of ids) {
        const message: ServiceBusMessage = { body: orderEventBody(i), contentType: 'application/json' };
        if (!batch.tryAddMessage(message)) {
          await sender.sendMessages(batch);
          batch = await sender.createMessageBatch();
          if (!batch.tryAddMessage(message)) throw new Error('message too large for an empty batch');
        }
      }
      if (batch.count > 0) await sender.sendMessages(batch);
    },
    async consume(handled) {
      subscription = receiver.subscribe(
        {
          processMessage: async (message) => {
            orderEvent.parse(message.body);
            handled();
          },
          processError: async (args) => {
            errors.push(args.error);
          },
        },
        { maxConcurrentCalls: config.concurrency, autoCompleteMessages: true },
      );
    },
    async close() {
      await subscription?.close();
      await receiver.close();
      await sender.close();
      await client.close();
      if (errors.length > 0) throw new Error(`receiver errors: ${String(errors[0])}`);
    },
  };
});
