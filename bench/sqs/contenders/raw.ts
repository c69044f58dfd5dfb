/**
 * The raw SDK loop: `concurrency` loops, each ReceiveMessage (10, long poll) → handle each message in turn →
 * DeleteMessageBatch, and again.
 *
 * @example
 * ```ts
 * const running = await startRaw(config, () => count++);
 * ```
 * @module
 */
import { DeleteMessageBatchCommand, type Message, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { ConsumeChildConfig } from '../types.js';
import { handleBody, type RunningConsumer, sqsClient, WAIT_SECONDS } from './contender.js';

/**
 * Starts the raw loops.
 *
 * @example
 * ```ts
 * await startRaw({ ...address, queueUrl, concurrency: 1 } as ConsumeChildConfig, () => {});
 * ```
 */
export async function startRaw(config: ConsumeChildConfig, handled: () => void): Promise<RunningConsumer> {
  const sqs = sqsClient(config);
  const abort = new AbortController();
  const loop = async () => {
    while (!abort.signal.aborted) {
      let messages: Message[];
      try {
        const out = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: config.queueUrl,
            MaxNumberOfMessages: 10,
            WaitTimeSeconds: WAIT_SECONDS,
          }),
          { abortSignal: abort.signal },
        );
        messages = out.Messages ?? [];
      } catch (error) {
        if (abort.signal.aborted) return;
        throw error;
      }
      const done: { Id: string; ReceiptHandle: string }[] = [];
      for (const [i, m] of messages.entries()) {
        handleBody(m.Body);
        handled();
        done.push({ Id: String(i), ReceiptHandle: m.ReceiptHandle ?? '' });
      }
      if (done.length > 0) {
        await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: config.queueUrl, Entries: done }));
      }
    }
  };
  const loops = Array.from({ length: config.concurrency }, () => loop());
  return {
    async stop() {
      abort.abort();
      await Promise.allSettled(loops);
      sqs.destroy();
    },
  };
}
