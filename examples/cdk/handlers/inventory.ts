/**
 * Inventory: reserves the order's items, then hands the order to shipping.
 *
 * @example
 * ```ts
 * // deployed by examples/cdk/stack.ts as the function consuming `<prefix>-inventory`
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
  decls.inventory,
  async (message) => {
    const order = message.body;
    const units = order.items.reduce((sum, item) => sum + item.quantity, 0);
    await bus.send(decls.shipping, order);
    logger.info('inventory: items reserved', { messageId: message.id, orderId: order.orderId, units });
  },
  { logger, name: 'inventory' },
);
