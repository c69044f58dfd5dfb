/**
 * `@message-queue-toolkit/sqs` (24.2.1 with core 25.4.0): a consumer class on the existing queue (located by URL),
 * `concurrentConsumersAmount` = concurrency, 10 per receive with the same long poll as the others (the toolkit's
 * default is one message per receive), the shared zod schema as its message schema. Its own parse, validation,
 * routing by `messageType` and deletion run as they would in an application; logging is silenced.
 *
 * @example
 * ```ts
 * const running = await startToolkit(config, () => count++);
 * ```
 * @module
 */
import type { SQSClient } from '@aws-sdk/client-sqs';
import { MessageHandlerConfigBuilder } from '@message-queue-toolkit/core';
import { AbstractSqsConsumer } from '@message-queue-toolkit/sqs';
import type { ConsumeChildConfig } from '../types.js';
import { type OrderEvent, orderEvent } from '../workload.js';
import { type RunningConsumer, sqsClient, WAIT_SECONDS } from './contender.js';

const noop = () => undefined;
const silent = {
  debug: noop,
  info: noop,
  warn: noop,
  error: noop,
  trace: noop,
  fatal: noop,
  silent: noop,
  level: 'silent',
  child: () => silent,
  isLevelEnabled: () => false,
};

interface Context {
  readonly handled: () => void;
}

class OrderConsumer extends AbstractSqsConsumer<OrderEvent, Context> {
  constructor(sqs: SQSClient, config: ConsumeChildConfig, handled: () => void, errors: unknown[]) {
    super(
      {
        sqsClient: sqs,
        logger: silent as never,
        errorReporter: { report: (e: unknown) => void errors.push(e) } as never,
        consumerErrorResolver: { processError: (e: unknown) => e } as never,
        transactionObservabilityManager: {
          start: noop,
          stop: noop,
          startWithGroup: noop,
          addCustomAttributes: noop,
        } as never,
      },
      {
        locatorConfig: { queueUrl: config.queueUrl },
        messageTypeResolver: { messageTypePath: 'messageType' },
        handlers: new MessageHandlerConfigBuilder<OrderEvent, Context>()
          .addConfig(orderEvent, async (_message, context) => {
            context.handled();
            return { result: 'success' };
          })
          .build(),
        concurrentConsumersAmount: config.concurrency,
        consumerOverrides: { batchSize: 10, waitTimeSeconds: WAIT_SECONDS },
      },
      { handled },
    );
  }
}

/**
 * Starts the toolkit consumer.
 *
 * @example
 * ```ts
 * await startToolkit(config, () => {});
 * ```
 */
export async function startToolkit(
  config: ConsumeChildConfig,
  handled: () => void,
): Promise<RunningConsumer> {
  const sqs = sqsClient(config);
  const errors: unknown[] = [];
  const consumer = new OrderConsumer(sqs, config, handled, errors);
  await consumer.start();
  return {
    async stop() {
      await consumer.close();
      sqs.destroy();
      if (errors.length > 0)
        throw new Error(`toolkit reported ${errors.length} errors: ${String(errors[0])}`);
    },
  };
}
