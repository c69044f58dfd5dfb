/**
 * `omnibus/functions/aws-lambda`: Lambda handlers for SQS triggers (partial batch responses, FIFO order, backoff
 * through ChangeMessageVisibility) and SNS triggers (settle by throwing), on the same pipeline as `bus.consume`.
 * Imports only the AWS SDK (`@aws-sdk/client-sqs`, lazily, for visibility changes).
 *
 * @example
 * ```ts
 * import { createBus, defineQueue } from 'omnibus';
 * import { aws } from 'omnibus/aws';
 * import { sqsHandler } from 'omnibus/functions/aws-lambda';
 *
 * const billing = defineQueue('billing');
 * const bus = createBus({ adapter: aws(), declarations: [billing] });
 * export const handler = sqsHandler(bus, billing, async (message) => charge(message.body));
 * ```
 * @module
 */

export type { BusOrDriver } from '../shared/bus-source.js';
export type { FunctionIdempotencyOptions } from '../shared/idempotency.js';
export type { FunctionHandlerOptions } from '../shared/options.js';
export { RedeliveryRequested } from '../shared/outcome.js';
export type {
  LambdaContext,
  SnsEvent,
  SnsMessageAttribute,
  SnsNotification,
  SnsRecord,
  SqsBatchItemFailure,
  SqsBatchResponse,
  SqsEvent,
  SqsMessageAttribute,
  SqsRecord,
  SqsRecordAttributes,
} from './events.js';
export { parseSqsArn, queueUrlOf, type SqsArn } from './queue-url.js';
export { snsAttributes, sqsRecordAttributes } from './records.js';
export {
  type SnsHandlerOptions,
  type SnsLambdaHandler,
  snsHandler,
  snsRecordProblem,
} from './sns-handler.js';
export {
  DEFAULT_SQS_CONCURRENCY,
  DEFAULT_TIMEOUT_MARGIN_MS,
  type SqsHandlerOptions,
  type SqsLambdaHandler,
  sqsHandler,
} from './sqs-handler.js';
export { SQS_MAX_VISIBILITY_SECONDS, type VisibilityOptions } from './visibility.js';
