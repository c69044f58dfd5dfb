/**
 * The producer of the SQS consume runs (in the parent process, so its work is not charged to the consumer): it
 * sends batches of 10 while the consumer's reported progress says fewer than `maxDepth` messages are waiting, and
 * stops after `total`. Its calls are moto load, the same for every contender.
 *
 * @example
 * ```ts
 * const producer = new Producer(sqs, queueUrl, 2200, 50);
 * producer.start();
 * producer.update(handled); // on each progress report
 * await producer.done;
 * ```
 * @module
 */
import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { orderEventJson } from './workload.js';

const BATCH = 10;
const MAX_CALLS_IN_FLIGHT = 2;

/** Keeps a queue fed but shallow. */
export class Producer {
  readonly #sqs: SQSClient;
  readonly #url: string;
  readonly #total: number;
  readonly #maxDepth: number;
  #sent = 0;
  #handled = 0;
  #inFlight = 0;
  #failed: unknown;
  #resolve: () => void = () => undefined;
  #reject: (e: unknown) => void = () => undefined;
  /** Resolves when every message was sent; rejects on a send failure. */
  readonly done: Promise<void>;
  /** Largest number of messages sent but not yet handled, seen at any send. */
  maxBacklog = 0;

  constructor(sqs: SQSClient, url: string, total: number, maxDepth: number) {
    this.#sqs = sqs;
    this.#url = url;
    this.#total = total;
    this.#maxDepth = maxDepth;
    this.done = new Promise((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    this.done.catch(() => undefined);
  }

  /** Starts sending. */
  start(): void {
    this.#pump();
  }

  /** The consumer's progress (messages handled so far). */
  update(handled: number): void {
    this.#handled = Math.max(this.#handled, handled);
    this.#pump();
  }

  #pump(): void {
    while (
      this.#failed === undefined &&
      this.#sent < this.#total &&
      this.#inFlight < MAX_CALLS_IN_FLIGHT &&
      this.#sent - this.#handled + Math.min(BATCH, this.#total - this.#sent) <= this.#maxDepth
    ) {
      const from = this.#sent;
      const count = Math.min(BATCH, this.#total - from);
      this.#sent += count;
      this.maxBacklog = Math.max(this.maxBacklog, this.#sent - this.#handled);
      this.#inFlight++;
      this.#sqs
        .send(
          new SendMessageBatchCommand({
            QueueUrl: this.#url,
            Entries: Array.from({ length: count }, (_, j) => ({
              Id: String(j),
              MessageBody: orderEventJson(from + j),
            })),
          }),
        )
        .then(
          (out) => {
            this.#inFlight--;
            if ((out.Failed ?? []).length > 0) throw new Error(`producer: ${out.Failed?.[0]?.Message}`);
            if (this.#sent >= this.#total && this.#inFlight === 0) this.#resolve();
            this.#pump();
          },
          (error: unknown) => {
            this.#inFlight--;
            this.#failed = error;
            this.#reject(error);
          },
        )
        .catch((error: unknown) => {
          this.#failed = error;
          this.#reject(error);
        });
    }
  }
}
