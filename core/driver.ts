/**
 * The driver spec, version 1: the small interface each adapter implements. Users never touch it; the bus (core)
 * owns batching, limits, validation, lease extension, attempt counting, delay emulation and dead-letter routing, and
 * calls a driver only to translate. Modelled on go-cloud's `pubsub/driver`.
 *
 * Rules every driver follows:
 * - `send` receives one batch already within the driver's declared count and byte limits; it returns one outcome
 *   per message, in order, and never throws for a single message's failure (it reports it in that outcome).
 * - Every {@link Delivery} settles itself: `ack`, `release`, `extend` and (if native) `deadLetter` work on the
 *   delivery they were called on, whatever receiver or connection produced it.
 * - `Receiver.receive` waits at most `waitSeconds` and returns between 0 and `max` deliveries; it returns early
 *   (possibly empty) when `signal` aborts. Deliveries it has returned are the caller's to settle.
 * - Drivers may pull or stream: a streaming driver buffers at most `maxInFlight` unsettled deliveries.
 *
 * @example
 * ```ts
 * const driver: Driver = createMemoryDriver();
 * await driver.provision(topology);
 * const receiver = driver.openReceiver(queueSpec, { maxInFlight: 4, leaseSeconds: 30 });
 * for (const d of await receiver.receive(4, { waitSeconds: 1 })) await d.ack();
 * ```
 * @module
 */
import type { Attributes } from './attributes.js';
import type { BodyFormat } from './declarations.js';
import type { OmnibusError } from './errors.js';
import type { Filter } from './filter.js';

/** The version of this spec. A driver declares the version it implements; the bus refuses others. */
export const DRIVER_SPEC_VERSION = 1 as const;

/** A queue as the driver sees it. */
export interface QueueSpec {
  readonly kind: 'queue';
  readonly name: string;
  /** Body format, so drivers with text-only bodies (SQS) can choose an encoding for bytes. */
  readonly format: BodyFormat;
  readonly ordered: boolean;
  /** Broker dedup window, when the queue deduplicates natively. */
  readonly dedupWindowSeconds: number | undefined;
  readonly leaseSeconds: number;
  readonly retentionSeconds: number;
  /** Native default delay of every message (0 when none or emulated). */
  readonly delaySeconds: number;
  /** Native dead-letter after this many deliveries (the safety net), or undefined for none. */
  readonly maxDeliveries: number | undefined;
  /** Name of the dead-letter queue, when there is one. */
  readonly deadLetterQueue: string | undefined;
  /** Set when this queue is the dead-letter queue of a queue or subscription (that entity's path). */
  readonly deadLetterOf: string | undefined;
}

/** A topic as the driver sees it. */
export interface TopicSpec {
  readonly kind: 'topic';
  readonly name: string;
  readonly format: BodyFormat;
  readonly ordered: boolean;
  readonly dedupWindowSeconds: number | undefined;
}

/** A subscription as the driver sees it. */
export interface SubscriptionSpec {
  readonly kind: 'subscription';
  readonly name: string;
  readonly topic: string;
  readonly format: BodyFormat;
  readonly ordered: boolean;
  /** The filter to apply on the server where the provider can (the bus also checks it on receive). */
  readonly filter: Filter | undefined;
  readonly leaseSeconds: number;
  readonly retentionSeconds: number;
  readonly maxDeliveries: number | undefined;
  readonly deadLetterQueue: string | undefined;
}

/** Something a driver can send to. */
export type TargetSpec = QueueSpec | TopicSpec;
/** Something a driver can receive from. */
export type SourceSpec = QueueSpec | SubscriptionSpec;

/** Everything `provision` must create (idempotently). */
export interface Topology {
  readonly queues: readonly QueueSpec[];
  readonly topics: readonly TopicSpec[];
  readonly subscriptions: readonly SubscriptionSpec[];
}

/** A message to send, already encoded and checked against the driver's limits. */
export interface DriverMessage {
  /** Encoded body: text for `json`/`text` formats, bytes for `binary`. */
  readonly body: string | Uint8Array;
  readonly attributes: Attributes;
  readonly orderingKey?: string | undefined;
  readonly dedupId?: string | undefined;
  /** Native delay in seconds (within `capabilities.delay.maxSeconds`). */
  readonly delaySeconds?: number | undefined;
  /** Id to use where the provider lets the sender choose one (Service Bus, memory). */
  readonly id?: string | undefined;
}

/** The outcome of sending one message. */
export type SendOutcome =
  | { readonly ok: true; readonly id: string }
  | { readonly ok: false; readonly error: OmnibusError };

/** Why a message is dead-lettered, as given to a driver with native dead-lettering with a reason. */
export interface DeadLetterReason {
  /** Short reason, e.g. `max-attempts`, `validation`, `non-retryable`. */
  readonly reason: string;
  /** Longer description (error name and message). */
  readonly description: string;
  /** The full envelope as attributes, to attach where the provider allows properties on dead-lettering. */
  readonly attributes: Attributes;
}

/** One delivery of one message: data plus the handle that settles it. */
export interface Delivery {
  /** Provider message id. */
  readonly id: string;
  readonly body: string | Uint8Array;
  readonly attributes: Attributes;
  readonly orderingKey: string | undefined;
  /** The broker's delivery count, 1 on first delivery, or undefined when the provider does not say. */
  readonly deliveryCount: number | undefined;
  readonly publishTime: Date;
  /** The provider's own message object (escape hatch). */
  readonly raw: unknown;
  /** Settles the delivery as done; the message is removed. */
  ack(): Promise<void>;
  /** Makes the message available again after `delaySeconds` (≤ `capabilities.release.maxDelaySeconds`). */
  release(delaySeconds: number): Promise<void>;
  /** Extends the lease to `leaseSeconds` from now. */
  extend(leaseSeconds: number): Promise<void>;
  /** Native dead-lettering with a reason; present only when `capabilities.deadLetter.withReason`. */
  deadLetter?(reason: DeadLetterReason): Promise<void>;
}

/** Options of a receive call. */
export interface ReceiveOptions {
  /** Longest wait for at least one message, in seconds. */
  readonly waitSeconds: number;
  readonly signal?: AbortSignal | undefined;
}

/** A receiving link on one queue or subscription. */
export interface Receiver {
  /** Returns 0..max deliveries; see the rules on {@link Driver}. */
  receive(max: number, options: ReceiveOptions): Promise<Delivery[]>;
  /** Stops receiving; deliveries already returned can still be settled until the driver closes. */
  close(): Promise<void>;
}

/** Options to open a receiver. */
export interface ReceiverOptions {
  /** Most unsettled deliveries at once (flow control for streaming drivers). */
  readonly maxInFlight: number;
  readonly leaseSeconds: number;
}

/** Provider limits, every one a named number with its source in the adapter. */
export interface Limits {
  /** Largest message (body plus attributes when `attributesCountInSize`), in bytes. */
  readonly maxMessageBytes: number;
  readonly attributesCountInSize: boolean;
  /** Most messages in one send call. */
  readonly maxBatchCount: number;
  /** Most bytes in one send call. */
  readonly maxBatchBytes: number;
  /** Most messages in one receive call. */
  readonly maxReceiveCount: number;
  /** Most attributes per message (Omnibus's own reserved slots included). */
  readonly maxAttributes: number;
  readonly maxAttributeNameBytes: number;
  /** Largest attribute value in bytes (Infinity when only the message size bounds it). */
  readonly maxAttributeValueBytes: number;
  /** Legal attribute names. */
  readonly attributeNamePattern: RegExp;
  /** Prefixes attribute names must not start with (case-insensitive), e.g. `AWS.`, `goog`. */
  readonly reservedAttributePrefixes: readonly string[];
  /** Longest ordering key, in characters. */
  readonly maxOrderingKeyLength: number;
  /** Longest dedup id, in characters. */
  readonly maxDedupIdLength: number;
}

/** What a provider can do natively. The bus decides, per option, native / emulated / refused from these. */
export interface Capabilities {
  /** Provider name used in messages: `memory`, `aws`, `gcp`, `azure`. */
  readonly provider: string;
  /** Ordered delivery per key. */
  readonly ordering: boolean;
  /** Native per-message delay and its maximum (0 when none); `onOrdered` false when ordered entities refuse it. */
  readonly delay: {
    readonly maxSeconds: number;
    readonly onOrdered: boolean;
    /** False when deduplicated entities refuse per-message delays too (SQS: they are FIFO queues). Default true. */
    readonly onDeduplicated?: boolean;
  };
  /** Native broker dedup and its window bounds; `fixedWindowSeconds` when the window cannot be chosen. */
  readonly dedup:
    | false
    | {
        readonly minWindowSeconds: number;
        readonly maxWindowSeconds: number;
        readonly fixedWindowSeconds?: number;
        readonly requiresOrdering: boolean;
      };
  /** Native dead-lettering: the broker's max-deliveries range, and whether a reason can be recorded. */
  readonly deadLetter: {
    readonly withReason: boolean;
    readonly minDeliveries: number;
    readonly maxDeliveries: number;
  };
  /** Whether subscription filters are applied by the server (the bus checks on receive regardless). */
  readonly serverFilters: boolean;
  /** Longest native delayed release; 0 means release is immediate and the bus re-sends a delayed copy instead. */
  readonly release: { readonly maxDelaySeconds: number };
  /** Lease bounds, in seconds. */
  readonly lease: { readonly minSeconds: number; readonly maxSeconds: number };
  readonly limits: Limits;
}

/**
 * The interface an adapter implements.
 */
export interface Driver {
  readonly specVersion: typeof DRIVER_SPEC_VERSION;
  readonly capabilities: Capabilities;
  /** Creates whatever in the topology is missing; harmless to call twice. */
  provision(topology: Topology): Promise<void>;
  /** Sends one batch (within limits) to a queue or topic; one outcome per message, in order. */
  send(target: TargetSpec, messages: readonly DriverMessage[]): Promise<SendOutcome[]>;
  /** Opens a receiver on a queue or subscription. */
  openReceiver(source: SourceSpec, options: ReceiverOptions): Receiver;
  /**
   * Puts messages straight onto a queue or ONE subscription (not fanned out to the topic's other subscriptions).
   * Used for redrive from a dead-letter queue and for delayed copies on providers without delayed release.
   * Optional: without it the bus can do both only for queues (through `send`).
   */
  redeliver?(source: SourceSpec, messages: readonly DriverMessage[]): Promise<SendOutcome[]>;
  /** Approximate count of messages available on a queue (for dead-letter counts), if the provider can tell. */
  depth?(source: SourceSpec): Promise<number>;
  /** Releases connections; in-flight calls may fail afterwards. */
  close(): Promise<void>;
}
