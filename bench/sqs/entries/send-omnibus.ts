/**
 * Entry of the Omnibus send path: `bus.send` once per message, all of a burst issued together, so the bus's
 * auto-batching groups them into SendMessageBatch calls (see `../send-child.ts`).
 *
 * @example
 * ```sh
 * node node_modules/.cache/omnibus-bench/sqs-entries-send-omnibus.mjs '{"contender":"omnibus",…}'
 * ```
 * @module
 */
import { aws } from '../../../adapters/aws/index.js';
import { createBus, defineQueue } from '../../../core/index.js';
import { sendChild } from '../send-child.js';
import { orderEvent, orderEventBody } from '../workload.js';

await sendChild((config, sqs) => {
  const queues = config.queueNames.map((name) => defineQueue(name, { schema: orderEvent }));
  const bus = createBus({ adapter: aws({ sqs }), declarations: queues });
  const queue = (k: number) => queues[k] as (typeof queues)[number];
  return {
    async warm(k) {
      await bus.send(queue(k), orderEventBody(-1 - k));
    },
    async burst(k, ids) {
      await Promise.all(ids.map((i) => bus.send(queue(k), orderEventBody(i))));
    },
    close: () => bus.close(),
  };
});
