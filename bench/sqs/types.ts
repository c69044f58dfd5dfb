/**
 * Shapes exchanged between the SQS section and its child processes.
 *
 * @example
 * ```ts
 * const config: ConsumeChildConfig = { contender: 'raw', concurrency: 4, queueUrl, queueName, endpoint, region };
 * ```
 * @module
 */

/** The consumers compared. */
export const CONSUMERS = ['omnibus', 'raw', 'sqs-consumer', 'sqs-consumer-batch', 'toolkit'] as const;
/** One of {@link CONSUMERS}. */
export type ConsumerName = (typeof CONSUMERS)[number];

/** The send paths compared. */
export const SENDERS = ['omnibus', 'one-by-one', 'batch'] as const;
/** One of {@link SENDERS}. */
export type SenderName = (typeof SENDERS)[number];

/** Where moto is. */
export interface MotoAddress {
  readonly endpoint: string;
  readonly region: string;
}

/** Configuration of a consume child. */
export interface ConsumeChildConfig extends MotoAddress {
  readonly contender: ConsumerName;
  readonly concurrency: number;
  readonly queueUrl: string;
  readonly queueName: string;
  readonly warmup: number;
  readonly measured: number;
}

/** What a consume child reports. */
export interface ConsumeChildResult {
  /** Wall time from the end of warm-up to the last measured message handled, ms. */
  readonly wallMs: number;
  /** CPU time of the child over the same span, µs. */
  readonly cpuMicros: number;
  readonly measured: number;
  /** SQS calls over the same span (counted by an SDK middleware). */
  readonly calls: number;
  /** The same, by command (ReceiveMessage, DeleteMessageBatch, …). */
  readonly callsByCommand: Readonly<Record<string, number>>;
}

/** Configuration of a send child. */
export interface SendChildConfig extends MotoAddress {
  readonly contender: SenderName;
  /** Queue names (created by the parent); one burst goes to each. */
  readonly queueNames: readonly string[];
  readonly queueUrls: readonly string[];
  readonly burst: number;
}

/** What a send child reports. */
export interface SendChildResult {
  readonly wallMs: number;
  readonly cpuMicros: number;
  readonly sent: number;
  /** SendMessage / SendMessageBatch calls made (counted by an SDK middleware). */
  readonly calls: number;
}
