/**
 * Entry of the two hand-written send paths (see `../send-child.ts`): `one-by-one` (a SendMessage per message, all
 * of a burst in parallel) and `batch` (SendMessageBatch of 10, the batches of a burst in parallel).
 *
 * @example
 * ```sh
 * node node_modules/.cache/omnibus-bench/sqs-entries-send-raw.mjs '{"contender":"batch",…}'
 * ```
 * @module
 */
import { SendMessageBatchCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { sendChild } from '../send-child.js';
import { orderEventBody } from '../workload.js';

await sendChild((config, sqs) => {
  const url = (k: number) => config.queueUrls[k] as string;
  return {
    async warm(k) {
      await sqs.send(
        new SendMessageCommand({ QueueUrl: url(k), MessageBody: JSON.stringify(orderEventBody(-1 - k)) }),
      );
    },
    async burst(k, ids) {
      if (config.contender === 'one-by-one') {
        await Promise.all(
          ids.map((i) =>
            sqs.send(
              new SendMessageCommand({ QueueUrl: url(k), MessageBody: JSON.stringify(orderEventBody(i)) }),
            ),
          ),
        );
        return;
      }
      const batches: number[][] = [];
      for (let i = 0; i < ids.length; i += 10) batches.push(ids.slice(i, i + 10));
      await Promise.all(
        batches.map(async (batch) => {
          const out = await sqs.send(
            new SendMessageBatchCommand({
              QueueUrl: url(k),
              Entries: batch.map((i, j) => ({
                Id: String(j),
                MessageBody: JSON.stringify(orderEventBody(i)),
              })),
            }),
          );
          if ((out.Failed ?? []).length > 0)
            throw new Error(`SendMessageBatch failed: ${out.Failed?.[0]?.Message}`);
        }),
      );
    },
    close: async () => undefined,
  };
});
