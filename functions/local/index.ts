/**
 * `omnibus/functions/local`: run a Lambda SQS handler locally without Docker, fed from a real queue (moto,
 * LocalStack, AWS) or the memory twin, with batches shaped exactly as Lambda shapes them and `batchItemFailures`
 * honoured. Also the record builders tests use to make Lambda events from messages a plain SDK client received.
 * Imports only the AWS SDK (lazily, for SQS sources).
 *
 * @example
 * ```ts
 * import { runSqsLocally } from 'omnibus/functions/local';
 * import { handler } from './billing-function.js';
 * const runner = runSqsLocally({ handler, source: { queueUrl: process.env.BILLING_QUEUE_URL! } });
 * ```
 * @module
 */

export { LOCAL_SQS_SETTLER, type LocalSqsSettler } from '../shared/local-settler.js';
export { type LocalContextOptions, type LocalLambdaContext, localLambdaContext } from './context.js';
export {
  deliveryToSqsRecord,
  lambdaSnsRecord,
  lambdaSqsRecord,
  type QueueIdentity,
  type SnsEnvelope,
} from './lambda-records.js';
export {
  failedIds,
  type LocalInvocation,
  type LocalRunner,
  type LocalRunnerOptions,
  type LocalSqsHandler,
  runSqsLocally,
} from './runner.js';
export type { DriverSourceOptions, RecordSource, SqsSourceOptions } from './sources.js';
