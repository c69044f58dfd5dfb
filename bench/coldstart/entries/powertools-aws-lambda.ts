/**
 * Cold-start entry: the Powertools equivalent — `@aws-lambda-powertools/batch` (partial batch responses) with
 * `@aws-lambda-powertools/idempotency` on DynamoDB around each record; the dead-letter queue is the queue's redrive
 * policy (infrastructure, no code).
 *
 * @example
 * ```ts
 * export { handler } from './powertools-aws-lambda.js';
 * ```
 * @module
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';

const processor = new BatchProcessor(EventType.SQS);
const persistenceStore = new DynamoDBPersistenceLayer({ tableName: 'powertools-idempotency' });
const config = new IdempotencyConfig({ eventKeyJmesPath: 'messageId' });

const recordHandler = makeIdempotent(
  async (record: SQSRecord) => {
    void JSON.parse(record.body);
  },
  { persistenceStore, config },
);

/** The Lambda handler. */
export const handler = async (event: SQSEvent, context: Context) => {
  config.registerLambdaContext(context);
  return processPartialResponse(event, recordHandler, processor, { context });
};
