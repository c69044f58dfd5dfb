/**
 * Helpers of the function adapter tests: SQS queues on moto read with a plain SDK client and turned into Lambda
 * records, Lambda's own delete step, and documented-format records for tests that need no emulator.
 */
import { createHash, randomUUID } from 'node:crypto';
import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { aws } from '../../adapters/aws/index.js';
import type { Driver } from '../../core/driver.js';
import type { SqsBatchResponse, SqsMessageAttribute, SqsRecord } from '../../functions/aws-lambda/events.js';
import { lambdaSqsRecord } from '../../functions/local/lambda-records.js';
import { awsClientConfig } from '../support/emulators.js';

/** An AWS driver on moto. */
export function awsDriver(): Driver {
  const config = awsClientConfig();
  return aws({ endpoint: config.endpoint, region: config.region, credentials: config.credentials });
}

/** Connection options for handlers (visibility changes) on moto. */
export function awsConnection(): {
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
} {
  const config = awsClientConfig();
  return { endpoint: config.endpoint, region: config.region, credentials: { ...config.credentials } };
}

/** URL and ARN of an SQS queue by name. */
export async function queueOf(sqs: SQSClient, name: string): Promise<{ url: string; arn: string }> {
  const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: name }));
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
  );
  return { url: QueueUrl!, arn: Attributes!.QueueArn! };
}

/** Receives raw SDK messages (all system and message attributes) until `count` arrived or `timeoutMs` passed. */
export async function receiveMessages(
  sqs: SQSClient,
  url: string,
  count: number,
  timeoutMs = 10_000,
): Promise<Message[]> {
  const out: Message[] = [];
  const deadline = Date.now() + timeoutMs;
  while (out.length < count && Date.now() < deadline) {
    const { Messages } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        MaxNumberOfMessages: Math.min(10, count - out.length),
        WaitTimeSeconds: 1,
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
    );
    out.push(...(Messages ?? []));
  }
  return out;
}

/** Lambda records of messages received from a queue with a plain SDK client. */
export async function receiveRecords(
  sqs: SQSClient,
  queue: { url: string; arn: string },
  count: number,
  timeoutMs = 10_000,
): Promise<SqsRecord[]> {
  const messages = await receiveMessages(sqs, queue.url, count, timeoutMs);
  return messages.map((m) => lambdaSqsRecord(m, { arn: queue.arn }));
}

/** What Lambda does with the answer: deletes every record the response does not list. */
export async function deleteAsLambda(
  sqs: SQSClient,
  url: string,
  records: readonly SqsRecord[],
  response: SqsBatchResponse,
): Promise<void> {
  const failed = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
  const done = records.filter((r) => !failed.has(r.messageId));
  for (let i = 0; i < done.length; i += 10) {
    const chunk = done.slice(i, i + 10);
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: url,
        Entries: chunk.map((r, j) => ({ Id: String(j), ReceiptHandle: r.receiptHandle })),
      }),
    );
  }
}

/** A context with `ms` left. */
export function contextWith(ms: number): { getRemainingTimeInMillis(): number; functionName: string } {
  const end = Date.now() + ms;
  return { getRemainingTimeInMillis: () => Math.max(0, end - Date.now()), functionName: 'test-fn' };
}

/** Options of {@link documentedRecord}. */
export interface RecordInit {
  readonly body: string;
  readonly messageId?: string;
  readonly receiveCount?: number;
  readonly queueName?: string;
  readonly groupId?: string;
  readonly messageAttributes?: Record<string, SqsMessageAttribute>;
}

/** An SQS record in the format the Lambda documentation shows (for tests without moto). */
export function documentedRecord(init: RecordInit): SqsRecord {
  const queue = init.queueName ?? 'my-queue';
  const attributes: SqsRecord['attributes'] = {
    ApproximateReceiveCount: String(init.receiveCount ?? 1),
    SentTimestamp: '1545082649183',
    SenderId: 'AIDAIENQZJOLO23YVJ4VO',
    ApproximateFirstReceiveTimestamp: '1545082649185',
  };
  if (init.groupId !== undefined) {
    attributes.MessageGroupId = init.groupId;
    attributes.SequenceNumber = '18849496460467696128';
    attributes.MessageDeduplicationId = randomUUID();
  }
  return {
    messageId: init.messageId ?? randomUUID(),
    receiptHandle: `AQEB${randomUUID().replaceAll('-', '')}`,
    body: init.body,
    attributes,
    messageAttributes: init.messageAttributes ?? {},
    md5OfBody: createHash('md5').update(init.body).digest('hex'),
    eventSource: 'aws:sqs',
    eventSourceARN: `arn:aws:sqs:us-east-2:123456789012:${queue}`,
    awsRegion: 'us-east-2',
  };
}

/** A gate a test opens when it wants a waiting handler to go on. */
export function gate(): { wait: Promise<void>; open(): void } {
  let open!: () => void;
  const wait = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { wait, open };
}
