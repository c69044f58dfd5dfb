/**
 * Billing: charges an order once (idempotency on the order id, in the DynamoDB table the stack creates), then hands
 * it to inventory. A declined card is not retried: the order goes to the dead-letter queue with the reason.
 *
 * @example
 * ```ts
 * // deployed by examples/cdk/stack.ts as the function consuming `<prefix>-billing`
 * ```
 * @module
 */
import { dynamoDbIdempotencyStore } from '../../../adapters/aws/index.js';
import { ConfigurationError, NonRetryableError } from '../../../core/errors.js';
import { sqsHandler } from '../../../functions/aws-lambda/index.js';
import { bus, decls, idempotencyTable, logger } from './runtime.js';

/**
 * The test card number the demo's payment step declines.
 *
 * @example
 * ```ts
 * bus.send(decls.checkout, { ...order, card: DECLINED_CARD }); // ends in the billing dead-letter queue
 * ```
 */
export const DECLINED_CARD = '4000-0000-0000-0002';

if (idempotencyTable === undefined) {
  throw new ConfigurationError(
    'OMNIBUS_IDEMPOTENCY_TABLE',
    'is not set: deploy with idempotency on for billing',
  );
}

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
  decls.billing,
  async (message) => {
    const order = message.body;
    if (order.card === DECLINED_CARD) throw new NonRetryableError(`card declined for order ${order.orderId}`);
    await bus.send(decls.inventory, order);
    logger.info('billing: order charged', { messageId: message.id, orderId: order.orderId });
  },
  {
    logger,
    name: 'billing',
    idempotency: {
      store: dynamoDbIdempotencyStore({ tableName: idempotencyTable }),
      key: (message) => (message.body as { orderId: string }).orderId,
    },
  },
);
