/**
 * `omnibus/cdk`: AWS CDK constructs that deploy the queues, topics, subscriptions, dead-letter queues, idempotency
 * table and Lambda functions that the code declares, from those same declarations and with the AWS adapter's own
 * decisions (names, FIFO, redrive, filter policies), so runtime and infrastructure cannot drift. `aws-cdk-lib` and
 * `constructs` are optional peer dependencies, loaded only by this entry.
 *
 * @example
 * ```ts
 * import { App, Stack } from 'aws-cdk-lib';
 * import { OmnibusTopology } from 'omnibus/cdk';
 * import { declarations } from './declarations.js';
 *
 * const app = new App();
 * const stack = new Stack(app, 'Shop');
 * const decls = declarations('shop');
 * new OmnibusTopology(stack, 'Shop', {
 *   declarations: decls,
 *   handlers: { billing: { entry: 'handlers/billing.ts', consumes: decls.billing } },
 * });
 * ```
 * @module
 */
export { type DeadLetterAlarmOptions, depthAlarm } from './alarm.js';
export * from './environment.js';
export { OmnibusFunction, type OmnibusFunctionProps, SQS_EVENT_SOURCE_LIMITS } from './function.js';
export {
  IDEMPOTENCY_PARTITION_KEY,
  IDEMPOTENCY_TTL_ATTRIBUTE,
  OmnibusIdempotencyTable,
  type OmnibusIdempotencyTableProps,
} from './idempotency-table.js';
export * from './lint.js';
export * from './physical.js';
export { OmnibusQueue, type OmnibusQueueProps } from './queue.js';
export {
  type OmnibusSubscription,
  OmnibusTopic,
  type OmnibusTopicProps,
  type SubscriptionQueueOptions,
} from './topic.js';
export {
  collectDeclarations,
  type OmnibusHandlerProps,
  OmnibusTopology,
  type OmnibusTopologyProps,
  type TopologyQueueOptions,
  type TopologyTopicOptions,
} from './topology.js';
