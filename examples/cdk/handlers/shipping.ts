/**
 * Shipping: the end of the pipeline.
 *
 * @example
 * ```ts
 * // deployed by examples/cdk/stack.ts as the function consuming `<prefix>-shipping`
 * ```
 * @module
 */
import { sqsHandler } from '../../../functions/aws-lambda/index.js';
import { bus, decls, logger } from './runtime.js';

/**
 * The Lambda handler (SQS trigger, partial batch responses).
 *
 * @example
 * ```ts
 * const { batchItemFailures } = await handler({ Records: [record] }); // [] when every record succeeded
 * ```
 */
export const handler = sqsHandler(
  bus,
  decls.shipping,
  async (message) => {
    logger.info('shipping: order shipped', { messageId: message.id, orderId: message.body.orderId });
  },
  { logger, name: 'shipping' },
);
