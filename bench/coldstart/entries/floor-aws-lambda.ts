/**
 * Cold-start entry: the floor — a Lambda SQS handler that only imports the bare SQS client.
 *
 * @example
 * ```ts
 * export { handler } from './floor-aws-lambda.js';
 * ```
 * @module
 */
import { SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';

const sqs = new SQSClient({});

/** The Lambda handler. */
export const handler = async (event: SQSEvent): Promise<SQSBatchResponse> => {
  for (const record of event.Records) void JSON.parse(record.body);
  void sqs;
  return { batchItemFailures: [] };
};
