/**
 * Where a local runner gets records: a real SQS queue (moto, LocalStack, or AWS itself) through a plain SDK client,
 * or a driver's queue (the memory twin) whose deliveries are shaped as SQS records. Each source deletes records
 * (what Lambda does for records not reported as failed) and settles the handler's visibility changes.
 *
 * @example
 * ```ts
 * const source = sqsRecordSource({ queueUrl: 'http://127.0.0.1:4566/000000000000/billing' });
 * const records = await source.receive(10, 1, signal);
 * ```
 * @module
 */
import { randomUUID } from 'node:crypto';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { type AwsConnectionOptions, clientConfig } from '../../adapters/aws/clients.js';
import { isFifoTarget, queueName, subscriptionQueueName } from '../../adapters/aws/names.js';
import type { Consumable } from '../../core/declarations.js';
import type { Delivery, Driver, Receiver, SourceSpec } from '../../core/driver.js';
import { ValidationError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import { specOf } from '../../core/plan.js';
import type { SqsRecord } from '../aws-lambda/events.js';
import type { LocalSqsSettler } from '../shared/local-settler.js';
import { deliveryToSqsRecord, lambdaSqsRecord } from './lambda-records.js';

/** A source of SQS records for a local runner. */
export interface RecordSource {
  /** Up to `max` records (1–10 per call), waiting at most `waitSeconds` for the first. */
  receive(max: number, waitSeconds: number, signal: AbortSignal): Promise<SqsRecord[]>;
  /** Deletes records, as Lambda does for records not reported as failed. */
  delete(records: readonly SqsRecord[]): Promise<void>;
  /** Forgets records whose invocation ended (failed ones return when their visibility timeout ends). */
  forget(records: readonly SqsRecord[]): void;
  /** Settles visibility changes the handler makes on records of this source. */
  readonly settler: LocalSqsSettler;
  /** Whether the queue is FIFO (batches of at most 10). */
  fifo(): Promise<boolean>;
  close(): Promise<void>;
}

/** A real SQS queue. */
export interface SqsSourceOptions {
  readonly queueUrl: string;
  /** An SQS client (never closed). Default: one from `connection` (and the SDK's environment chain). */
  readonly sqs?: SQSClient;
  readonly connection?: AwsConnectionOptions;
}

/** A driver's queue or subscription (the memory twin). */
export interface DriverSourceOptions {
  readonly driver: Driver;
  readonly source: Consumable;
  /** Region and account in the records' `eventSourceARN` (default `us-east-1`, `000000000000`). */
  readonly region?: string;
  readonly accountId?: string;
}

const MAX_RECEIVE = 10;
const MAX_ENTRIES = 10;

/**
 * A record source on an SQS queue, through a plain SDK client (imported on first use).
 *
 * @example
 * ```ts
 * sqsRecordSource({ queueUrl, connection: { endpoint: 'http://127.0.0.1:4566' } });
 * ```
 */
export function sqsRecordSource(options: SqsSourceOptions, logger: Logger): RecordSource {
  if (typeof options.queueUrl !== 'string' || !/^https?:\/\//.test(options.queueUrl)) {
    throw new ValidationError('source.queueUrl', [{ message: 'must be an http(s) SQS queue URL' }]);
  }
  const url = options.queueUrl;
  let sdkPromise: Promise<typeof import('@aws-sdk/client-sqs')> | undefined;
  const sdk = () => {
    sdkPromise ??= import('@aws-sdk/client-sqs');
    return sdkPromise;
  };
  let owned: SQSClient | undefined;
  let clientPromise: Promise<SQSClient> | undefined;
  const client = () => {
    clientPromise ??= options.sqs
      ? Promise.resolve(options.sqs)
      : sdk().then((m) => {
          owned = new m.SQSClient(clientConfig(options.connection ?? {}, 'SQS'));
          return owned;
        });
    return clientPromise;
  };
  let arnPromise: Promise<string> | undefined;
  const arn = () => {
    arnPromise ??= (async () => {
      const [sqs, m] = await Promise.all([client(), sdk()]);
      const out = await sqs.send(
        new m.GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }),
      );
      const value = out.Attributes?.QueueArn;
      if (!value) throw new ValidationError('source.queueUrl', [{ message: `${url} has no QueueArn` }]);
      return value;
    })();
    arnPromise.catch(() => {
      arnPromise = undefined;
    });
    return arnPromise;
  };
  return {
    async receive(max, waitSeconds, signal) {
      const [sqs, m, queueArn] = await Promise.all([client(), sdk(), arn()]);
      const out = await sqs.send(
        new m.ReceiveMessageCommand({
          QueueUrl: url,
          MaxNumberOfMessages: Math.max(1, Math.min(MAX_RECEIVE, max)),
          WaitTimeSeconds: Math.max(0, Math.min(20, Math.floor(waitSeconds))),
          MessageSystemAttributeNames: ['All'],
          MessageAttributeNames: ['All'],
        }),
        { abortSignal: signal },
      );
      return (out.Messages ?? []).map((message) => lambdaSqsRecord(message, { arn: queueArn }));
    },
    async delete(records) {
      const [sqs, m] = await Promise.all([client(), sdk()]);
      for (let i = 0; i < records.length; i += MAX_ENTRIES) {
        const chunk = records.slice(i, i + MAX_ENTRIES);
        const out = await sqs.send(
          new m.DeleteMessageBatchCommand({
            QueueUrl: url,
            Entries: chunk.map((r, j) => ({ Id: String(j), ReceiptHandle: r.receiptHandle })),
          }),
        );
        for (const failed of out.Failed ?? []) {
          logger.warn('local runner: delete failed; the record returns', {
            messageId: chunk[Number(failed.Id)]?.messageId,
            error: `${failed.Code ?? 'Error'}: ${failed.Message ?? ''}`,
          });
        }
      }
    },
    forget() {},
    settler: {
      async changeVisibility(receiptHandle, seconds) {
        const [sqs, m] = await Promise.all([client(), sdk()]);
        await sqs.send(
          new m.ChangeMessageVisibilityCommand({
            QueueUrl: url,
            ReceiptHandle: receiptHandle,
            VisibilityTimeout: seconds,
          }),
        );
      },
    },
    async fifo() {
      return (await arn()).endsWith('.fifo');
    },
    async close() {
      owned?.destroy();
    },
  };
}

/** The SQS name the AWS adapter gives a source, so records carry a realistic ARN (and `.fifo` when FIFO). */
function awsNameOf(spec: SourceSpec): string {
  if (spec.kind === 'queue') return queueName(spec.name, isFifoTarget(spec));
  return subscriptionQueueName(spec.topic, spec.name, spec.ordered);
}

/**
 * A record source on a driver's queue or subscription. Visibility changes map to the delivery's lease: 0 releases
 * it at once, n > 0 keeps it leased n seconds (it returns then, unless deleted first, as on SQS).
 *
 * @example
 * ```ts
 * driverRecordSource({ driver: bus.driver, source: billing });
 * ```
 */
export function driverRecordSource(options: DriverSourceOptions, logger: Logger): RecordSource {
  const spec = specOf(options.source, options.driver.capabilities) as SourceSpec;
  const arn = `arn:aws:sqs:${options.region ?? 'us-east-1'}:${options.accountId ?? '000000000000'}:${awsNameOf(spec)}`;
  const handles = new Map<string, Delivery>();
  let receiver: Receiver | undefined;
  const open = () => {
    receiver ??= options.driver.openReceiver(spec, { maxInFlight: 100, leaseSeconds: spec.leaseSeconds });
    return receiver;
  };
  return {
    async receive(max, waitSeconds, signal) {
      const deliveries = await open().receive(Math.max(1, Math.min(MAX_RECEIVE, max)), {
        waitSeconds,
        signal,
      });
      return deliveries.map((d) => {
        const handle = `local-${randomUUID()}`;
        handles.set(handle, d);
        return deliveryToSqsRecord(d, { arn }, handle);
      });
    },
    async delete(records) {
      await Promise.all(
        records.map(async (r) => {
          const d = handles.get(r.receiptHandle);
          handles.delete(r.receiptHandle);
          try {
            await d?.ack();
          } catch (error) {
            logger.warn('local runner: delete failed; the record returns', {
              messageId: r.messageId,
              error: String(error),
            });
          }
        }),
      );
    },
    forget(records) {
      for (const r of records) handles.delete(r.receiptHandle);
    },
    settler: {
      async changeVisibility(receiptHandle, seconds) {
        const d = handles.get(receiptHandle);
        if (!d)
          throw new ValidationError('receiptHandle', [{ message: 'is not a handle of this local runner' }]);
        if (seconds <= 0) {
          handles.delete(receiptHandle);
          await d.release(0);
        } else {
          await d.extend(seconds);
        }
      },
    },
    async fifo() {
      return arn.endsWith('.fifo');
    },
    async close() {
      handles.clear();
      await receiver?.close();
    },
  };
}
