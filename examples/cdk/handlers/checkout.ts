/**
 * Checkout: takes an order from the `checkout` queue, hands it to billing and announces it on `order-placed`
 * (with `notify: email`, which the email subscription's filter selects).
 *
 * @example
 * ```ts
 * // deployed by examples/cdk/stack.ts as the function consuming `<prefix>-checkout`
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
  decls.checkout,
  async (message) => {
    const order = message.body;
    await bus.send(decls.billing, order);
    await bus.publish(
      decls.orderPlaced,
      { orderId: order.orderId, customer: order.customer, total: order.total },
      { attributes: { notify: 'email' } },
    );
    logger.info('checkout: order accepted', { messageId: message.id, orderId: order.orderId });
  },
  { logger, name: 'checkout' },
);
