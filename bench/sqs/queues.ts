/**
 * Queue administration for the SQS section (parent side): a fresh queue per run with a dead-letter queue and a
 * redrive policy (what Omnibus would provision, created the same way for every contender), and clean-up after the
 * run so moto stays small.
 *
 * @example
 * ```ts
 * const admin = new QueueAdmin({ endpoint, region });
 * const q = await admin.create('bench-raw-1');
 * await admin.remove(q);
 * ```
 * @module
 */
import {
  CreateQueueCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { MotoAddress } from './types.js';

/** A created queue and its dead-letter queue. */
export interface BenchQueue {
  readonly name: string;
  readonly url: string;
  readonly dlqUrl: string;
}

/** Creates and removes benchmark queues. */
export class QueueAdmin {
  readonly sqs: SQSClient;

  constructor(address: MotoAddress) {
    this.sqs = new SQSClient({
      endpoint: address.endpoint,
      region: address.region,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
  }

  /** Creates `name` (visibility 30 s, redrive to `name-dlq` after 5 receives). */
  async create(name: string): Promise<BenchQueue> {
    const dlq = await this.sqs.send(new CreateQueueCommand({ QueueName: `${name}-dlq` }));
    const dlqUrl = dlq.QueueUrl ?? '';
    const attrs = await this.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }),
    );
    const created = await this.sqs.send(
      new CreateQueueCommand({
        QueueName: name,
        Attributes: {
          VisibilityTimeout: '30',
          RedrivePolicy: JSON.stringify({
            deadLetterTargetArn: attrs.Attributes?.QueueArn,
            maxReceiveCount: 5,
          }),
        },
      }),
    );
    return { name, url: created.QueueUrl ?? '', dlqUrl };
  }

  /** Creates a plain queue (for the send path); returns its URL. */
  async createPlain(name: string): Promise<string> {
    const created = await this.sqs.send(new CreateQueueCommand({ QueueName: name }));
    return created.QueueUrl ?? '';
  }

  /** Deletes queues by URL (errors ignored: clean-up only). */
  async removeUrls(urls: readonly string[]): Promise<void> {
    await Promise.allSettled(urls.map((url) => this.sqs.send(new DeleteQueueCommand({ QueueUrl: url }))));
  }

  /** Deletes a queue and its dead-letter queue (errors ignored: clean-up only). */
  async remove(queue: BenchQueue): Promise<void> {
    await Promise.allSettled([
      this.sqs.send(new DeleteQueueCommand({ QueueUrl: queue.url })),
      this.sqs.send(new DeleteQueueCommand({ QueueUrl: queue.dlqUrl })),
    ]);
  }

  /** Messages in a queue, visible and in flight. */
  async depth(url: string): Promise<number> {
    const out = await this.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: url,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    return (
      Number(out.Attributes?.ApproximateNumberOfMessages ?? 0) +
      Number(out.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0)
    );
  }

  close(): void {
    this.sqs.destroy();
  }
}
