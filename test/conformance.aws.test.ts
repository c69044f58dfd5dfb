/**
 * The conformance suite on the AWS adapter, on the real wire: moto (started by the vitest global setup) or
 * LocalStack / AWS through AWS_ENDPOINT_URL. Real time; unique names per test instead of resets; queues stay
 * shallow. Without moto the whole file is skipped with one line (and fails under CI=true).
 */
import { randomUUID } from 'node:crypto';
import { GetQueueUrlCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { aws } from '../adapters/aws/index.js';
import { isFifoTarget, queueName } from '../adapters/aws/names.js';
import { type ConformanceHarness, conformance, uniqueNames } from './conformance/index.js';
import { awsClientConfig, withEmulator } from './support/emulators.js';

withEmulator('aws', '[aws] conformance', () => {
  let plain: SQSClient | undefined;
  const harness: ConformanceHarness = {
    name: 'aws',
    makeDriver: () => aws(awsClientConfig()),
    uniqueName: uniqueNames(),
    // SQS allows a 0 s visibility timeout; 2 s keeps lease-expiry cases short without racing the emulator.
    minLeaseSeconds: 2,
    features: {
      ordering: true,
      dedup: true,
      // SQS/SNS FIFO deduplicate for a fixed 5 minutes: the window's end cannot be waited for in test time.
      dedupWindowObservable: false,
      delay: 'native',
      // SQS records no reason when it dead-letters: the bus sends the copy with the envelope attribute itself.
      nativeDeadLetterReason: false,
      brokerDeadLetter: true,
      serverFilters: true,
      leaseExpiry: true,
      deliveryCount: true,
      numberAttributes: 'number',
      binaryAttributes: 'bytes',
    },
    switchedOff: {
      dedupWindowObservable: 'SQS and SNS FIFO deduplicate for a fixed 5 minutes',
      nativeDeadLetterReason: 'SQS records no dead-letter reason; the bus sends the envelope copy',
    },
    async sendPlain(queue, body, attributes) {
      plain ??= new SQSClient(awsClientConfig());
      const fifo = isFifoTarget(queue);
      const { QueueUrl } = await plain.send(
        new GetQueueUrlCommand({ QueueName: queueName(queue.name, fifo) }),
      );
      await plain.send(
        new SendMessageCommand({
          QueueUrl,
          MessageBody: body,
          MessageAttributes: Object.fromEntries(
            Object.entries(attributes).map(([k, v]) => [k, { DataType: 'String', StringValue: v }]),
          ),
          ...(fifo ? { MessageGroupId: 'plain', MessageDeduplicationId: randomUUID() } : {}),
        }),
      );
    },
  };
  conformance(harness);
});
