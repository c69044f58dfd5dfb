/**
 * The raw `@google-cloud/pubsub` contender: a topic and a subscription with a dead-letter policy (as Omnibus
 * provisions), publishes with the client's batching flushed at once per burst (what the Omnibus adapter does),
 * and a streaming-pull subscriber with `flowControl.maxMessages` = concurrency and acks sent at once (as Omnibus
 * does) that parses, validates and acks.
 *
 * @example
 * ```sh
 * PUBSUB_EMULATOR_HOST=127.0.0.1:8085 node node_modules/.cache/omnibus-bench/pubsub-entries-raw.mjs '{"name":"bench-1",…}'
 * ```
 * @module
 */
import { PubSub } from '@google-cloud/pubsub';
import { type FlowConfig, flowChild } from '../../lib/flow-child.js';
import { orderEvent, orderEventJson } from '../../sqs/workload.js';

interface Config extends FlowConfig {
  readonly projectId: string;
}

await flowChild<Config>(async (config) => {
  const pubsub = new PubSub({ projectId: config.projectId });
  const [dlq] = await pubsub.createTopic(`${config.name}-dlq`);
  await dlq.createSubscription(`${config.name}-dlq`);
  const [created] = await pubsub.createTopic(config.name);
  await created.createSubscription(config.name, {
    ackDeadlineSeconds: 30,
    deadLetterPolicy: { deadLetterTopic: dlq.name, maxDeliveryAttempts: 5 },
  });
  const topic = pubsub.topic(config.name, { batching: { maxMessages: 1000, maxMilliseconds: 10 } });
  const subscription = pubsub.subscription(config.name, {
    flowControl: { maxMessages: config.concurrency, allowExcessMessages: false },
    // Acks go out at once, as Omnibus's settler sends them (per event-loop turn); the client's default 100 ms ack
    // batching caps a flow-controlled subscriber at flowControl.maxMessages per 100 ms.
    batching: { maxMilliseconds: 1 },
  });
  const errors: unknown[] = [];
  return {
    async publish(ids) {
      const pending = ids.map((i) => topic.publishMessage({ data: Buffer.from(orderEventJson(i)) }));
      void topic.flush();
      await Promise.all(pending);
    },
    async consume(handled) {
      subscription.on('message', (message) => {
        orderEvent.parse(JSON.parse(message.data.toString('utf8')));
        handled();
        message.ack();
      });
      subscription.on('error', (e) => errors.push(e));
    },
    async close() {
      await subscription.close();
      await pubsub.close();
      if (errors.length > 0) throw new Error(`subscriber errors: ${String(errors[0])}`);
    },
  };
});
