/**
 * The `order-placed` subscriptions: email (only orders published with `notify: email`, filtered by SNS),
 * analytics and audit. One module, three exported handlers, one function each.
 *
 * @example
 * ```ts
 * // deployed by examples/cdk/stack.ts with handler 'email', 'analytics' or 'audit'
 * ```
 * @module
 */
import { sqsHandler } from '../../../functions/aws-lambda/index.js';
import { bus, decls, logger } from './runtime.js';

/**
 * Email: sends the confirmation.
 *
 * @example
 * ```ts
 * await email({ Records: [record] }); // the function's handler setting is 'email'
 * ```
 */
export const email = sqsHandler(
  bus,
  decls.email,
  async (message) => {
    logger.info('email: confirmation sent', { messageId: message.id, orderId: message.body.orderId });
  },
  { logger, name: 'email' },
);

/**
 * Analytics: counts revenue.
 *
 * @example
 * ```ts
 * await analytics({ Records: [record] }); // the function's handler setting is 'analytics'
 * ```
 */
export const analytics = sqsHandler(
  bus,
  decls.analytics,
  async (message) => {
    logger.info('analytics: order counted', { messageId: message.id, attempt: message.attempt });
  },
  { logger, name: 'analytics' },
);

/**
 * Audit: records every order placed.
 *
 * @example
 * ```ts
 * await audit({ Records: [record] }); // the function's handler setting is 'audit'
 * ```
 */
export const audit = sqsHandler(
  bus,
  decls.audit,
  async (message) => {
    logger.info('audit: order recorded', {
      messageId: message.id,
      publishTime: message.publishTime.toISOString(),
    });
  },
  { logger, name: 'audit' },
);
