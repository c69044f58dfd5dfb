/**
 * ChangeMessageVisibility for records Lambda handed to the function: how a released record comes back after its
 * backoff (instead of after the whole visibility timeout), and how records skipped behind a FIFO failure are handed
 * back at once. Routed through a local runner's settler when the context carries one, else through SQS (the SDK is
 * imported on first use). A failed change is logged and reported as `false`, never thrown: the record is reported
 * as failed anyway and comes back when its visibility timeout ends.
 *
 * Needs `sqs:ChangeMessageVisibility` on the queue (not in `AWSLambdaSQSQueueExecutionRole`; grant it).
 *
 * @example
 * ```ts
 * const visibility = new RecordVisibility({ region: 'eu-west-1' }, logger);
 * await visibility.change(record, 30, context); // back in 30 s
 * ```
 * @module
 */
import type { SQSClient } from '@aws-sdk/client-sqs';
import { type AwsConnectionOptions, clientConfig, endpointFor } from '../../adapters/aws/clients.js';
import type { Logger } from '../../core/logger.js';
import { localSettlerOf } from '../shared/local-settler.js';
import type { SqsRecord } from './events.js';
import { queueUrlOf } from './queue-url.js';

/** SQS's longest visibility timeout, in seconds (12 hours). */
export const SQS_MAX_VISIBILITY_SECONDS = 43_200;
/** Entries per ChangeMessageVisibilityBatch call. */
const MAX_BATCH_ENTRIES = 10;

/** How the handler reaches SQS for visibility changes. */
export interface VisibilityOptions extends AwsConnectionOptions {
  /** An SQS client to use (never closed). Default: one per region, from the connection options. */
  readonly sqs?: SQSClient;
  /**
   * The queue URL, or a function of the record's `eventSourceARN` returning it. Default: built from the ARN (the
   * endpoint's form when one is configured, else the documented `https://sqs.<region>.amazonaws.com/…`).
   */
  readonly queueUrl?: string | ((eventSourceArn: string) => string);
}

type SqsSdk = typeof import('@aws-sdk/client-sqs');

function clampSeconds(seconds: number): number {
  if (!Number.isFinite(seconds) || seconds <= 0) return 0;
  return Math.min(SQS_MAX_VISIBILITY_SECONDS, Math.ceil(seconds));
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/**
 * Visibility changes of Lambda SQS records.
 *
 * @example
 * ```ts
 * const visibility = new RecordVisibility({ queueUrl: (arn) => urls[arn]! }, logger);
 * await visibility.changeMany(skipped, 0, context); // visible again at once
 * ```
 */
export class RecordVisibility {
  readonly #options: VisibilityOptions;
  readonly #logger: Logger;
  #sdk: Promise<SqsSdk> | undefined;
  readonly #clients = new Map<string, Promise<SQSClient>>();

  constructor(options: VisibilityOptions, logger: Logger) {
    this.#options = options;
    this.#logger = logger;
  }

  #loadSdk(): Promise<SqsSdk> {
    this.#sdk ??= import('@aws-sdk/client-sqs');
    return this.#sdk;
  }

  #client(region: string): Promise<SQSClient> {
    if (this.#options.sqs) return Promise.resolve(this.#options.sqs);
    let client = this.#clients.get(region);
    if (!client) {
      client = this.#loadSdk().then(
        (sdk) =>
          new sdk.SQSClient(
            clientConfig({ ...this.#options, region: this.#options.region ?? region }, 'SQS'),
          ),
      );
      this.#clients.set(region, client);
    }
    return client;
  }

  /** The queue URL of a record. */
  urlOf(record: SqsRecord): string {
    const option = this.#options.queueUrl;
    if (typeof option === 'string') return option;
    if (typeof option === 'function') return option(record.eventSourceARN);
    return queueUrlOf(record.eventSourceARN, endpointFor(this.#options, 'SQS'));
  }

  /** Sets one record's visibility timeout; false (logged) when it could not. */
  async change(record: SqsRecord, seconds: number, context: unknown): Promise<boolean> {
    const timeout = clampSeconds(seconds);
    try {
      const local = localSettlerOf(context);
      if (local) {
        await local.changeVisibility(record.receiptHandle, timeout);
        return true;
      }
      const [sqs, sdk] = await Promise.all([this.#client(record.awsRegion), this.#loadSdk()]);
      await sqs.send(
        new sdk.ChangeMessageVisibilityCommand({
          QueueUrl: this.urlOf(record),
          ReceiptHandle: record.receiptHandle,
          VisibilityTimeout: timeout,
        }),
      );
      return true;
    } catch (error) {
      this.#logger.warn(
        'ChangeMessageVisibility failed; the record returns when its visibility timeout ends',
        {
          messageId: record.messageId,
          seconds: timeout,
          error: describe(error),
        },
      );
      return false;
    }
  }

  /** Sets the visibility timeout of several records (batched per queue, 10 per call). */
  async changeMany(records: readonly SqsRecord[], seconds: number, context: unknown): Promise<void> {
    if (records.length === 0) return;
    const timeout = clampSeconds(seconds);
    if (localSettlerOf(context)) {
      await Promise.all(records.map((r) => this.change(r, timeout, context)));
      return;
    }
    const byQueue = new Map<string, SqsRecord[]>();
    for (const record of records) {
      let url: string;
      try {
        url = this.urlOf(record);
      } catch (error) {
        this.#logger.warn('no queue URL for a record; it returns when its visibility timeout ends', {
          messageId: record.messageId,
          error: describe(error),
        });
        continue;
      }
      const list = byQueue.get(url) ?? [];
      list.push(record);
      byQueue.set(url, list);
    }
    const calls: Promise<void>[] = [];
    for (const [url, list] of byQueue) {
      for (let i = 0; i < list.length; i += MAX_BATCH_ENTRIES) {
        calls.push(this.#changeBatch(url, list.slice(i, i + MAX_BATCH_ENTRIES), timeout));
      }
    }
    await Promise.all(calls);
  }

  async #changeBatch(url: string, records: SqsRecord[], timeout: number): Promise<void> {
    try {
      const [sqs, sdk] = await Promise.all([this.#client(records[0]!.awsRegion), this.#loadSdk()]);
      const out = await sqs.send(
        new sdk.ChangeMessageVisibilityBatchCommand({
          QueueUrl: url,
          Entries: records.map((r, i) => ({
            Id: String(i),
            ReceiptHandle: r.receiptHandle,
            VisibilityTimeout: timeout,
          })),
        }),
      );
      for (const failed of out.Failed ?? []) {
        this.#logger.warn(
          'ChangeMessageVisibility failed; the record returns when its visibility timeout ends',
          {
            messageId: records[Number(failed.Id)]?.messageId,
            seconds: timeout,
            error: `${failed.Code ?? 'Error'}: ${failed.Message ?? ''}`,
          },
        );
      }
    } catch (error) {
      this.#logger.warn(
        'ChangeMessageVisibilityBatch failed; the records return when their visibility timeout ends',
        {
          messageIds: records.map((r) => r.messageId),
          seconds: timeout,
          error: describe(error),
        },
      );
    }
  }
}
