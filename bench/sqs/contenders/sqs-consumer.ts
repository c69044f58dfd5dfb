/**
 * `sqs-consumer` (15.0.3): `concurrency` Consumer instances on the queue, each receiving 10 at a time; per-message
 * mode (`handleMessage`: handled in parallel within a batch, each deleted with its own DeleteMessage) or batch
 * mode (`handleMessageBatch`: one DeleteMessageBatch per batch).
 *
 * @example
 * ```ts
 * const running = await startSqsConsumer(config, () => count++, 'batch');
 * ```
 * @module
 */
import { Consumer } from 'sqs-consumer';
import type { ConsumeChildConfig } from '../types.js';
import { handleBody, type RunningConsumer, sqsClient, WAIT_SECONDS } from './contender.js';

/**
 * Starts the consumers.
 *
 * @example
 * ```ts
 * await startSqsConsumer(config, () => {}, 'message');
 * ```
 */
export async function startSqsConsumer(
  config: ConsumeChildConfig,
  handled: () => void,
  mode: 'message' | 'batch',
): Promise<RunningConsumer> {
  const sqs = sqsClient(config);
  const consumers = Array.from({ length: config.concurrency }, () =>
    Consumer.create({
      queueUrl: config.queueUrl,
      sqs,
      batchSize: 10,
      waitTimeSeconds: WAIT_SECONDS,
      suppressFifoWarning: true,
      ...(mode === 'message'
        ? {
            handleMessage: async (message) => {
              handleBody(message.Body);
              handled();
              return message;
            },
          }
        : {
            handleMessageBatch: async (messages) => {
              for (const message of messages) {
                handleBody(message.Body);
                handled();
              }
              return messages;
            },
          }),
    }),
  );
  const errors: unknown[] = [];
  for (const c of consumers) {
    c.on('error', (e) => errors.push(e));
    c.on('processing_error', (e) => errors.push(e));
    c.start();
  }
  return {
    async stop() {
      for (const c of consumers) c.stop({ abort: true });
      sqs.destroy();
      if (errors.length > 0)
        throw new Error(`sqs-consumer reported ${errors.length} errors: ${String(errors[0])}`);
    },
  };
}
