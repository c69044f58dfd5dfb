/**
 * `omnibus/aws`: the AWS adapter. Queues on SQS (standard, or FIFO when ordered or deduplicated), topics on SNS with
 * one SQS queue per subscription (raw delivery, SNS filter policies), dead-letter queues with redrive policies, and
 * an idempotency store on DynamoDB. Imports only the AWS SDK (lazily), never another cloud's.
 *
 * @example
 * ```ts
 * import { createBus, defineQueue } from 'omnibus';
 * import { aws } from 'omnibus/aws';
 *
 * const billing = defineQueue('billing');
 * const bus = createBus({ adapter: aws(), declarations: [billing] });
 * await bus.provision();
 * ```
 * @module
 */
export { type AwsConnectionOptions, type AwsCredentials, clientConfig, isLocalEndpoint } from './clients.js';
export { type AwsOptions, aws } from './driver.js';
export {
  DYNAMODB_MAX_ITEM_BYTES,
  DYNAMODB_MAX_RESULT_BYTES,
  type DynamoDbIdempotencyStore,
  type DynamoDbIdempotencyStoreOptions,
  dynamoDbIdempotencyStore,
} from './dynamodb-store.js';
export * from './environment.js';
export { AwsRequestError, toOmnibusError } from './errors.js';
export {
  FilterPolicyError,
  type FilterPolicyOptions,
  filterPolicyJson,
  filterPolicyOf,
  type SnsFilterPolicy,
  type SnsFilterValue,
} from './filter-policy.js';
export { awsFromEnv } from './from-env.js';
export * from './limits.js';
export { queueName, subscriptionQueueName, topicName } from './names.js';
