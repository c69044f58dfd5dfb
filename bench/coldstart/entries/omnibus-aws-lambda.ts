/**
 * Cold-start entry: the Omnibus Lambda SQS handler with a dead-letter queue (declared by default) and idempotency
 * on DynamoDB — what an application's `handler.ts` looks like.
 *
 * @example
 * ```ts
 * export { handler } from './omnibus-aws-lambda.js';
 * ```
 * @module
 */
import { aws, dynamoDbIdempotencyStore } from '../../../adapters/aws/index.js';
import { createBus, defineQueue } from '../../../core/index.js';
import { sqsHandler } from '../../../functions/aws-lambda/index.js';

const orders = defineQueue('orders', { maxAttempts: 5 });
const bus = createBus({
  adapter: aws(),
  declarations: [orders],
  idempotency: { store: dynamoDbIdempotencyStore({ tableName: 'omnibus-idempotency' }) },
});

/** The Lambda handler. */
export const handler = sqsHandler(bus, orders, async (message) => {
  void message.body;
});
