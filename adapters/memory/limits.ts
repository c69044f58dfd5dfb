/**
 * The memory broker's limits and capabilities. Strict by default: every limit is the strictest one among the
 * clouds Omnibus supports, so code that passes on memory does not fail on a cloud for size or count. Each one can
 * be relaxed with `memory({ limits })`.
 *
 * @example
 * ```ts
 * const driver = memory({ limits: { maxMessageBytes: 1_048_576 } }); // SQS's current 1 MiB
 * driver.capabilities.limits.maxBatchCount; // 10
 * ```
 * @module
 */
import type { Capabilities, Limits } from '../../core/driver.js';

/** Provider name used in errors and capability messages. */
export const MEMORY_PROVIDER = 'memory';

/** 256 KiB: SNS's and Service Bus Standard's message size (and SQS's historical default). */
export const MAX_MESSAGE_BYTES = 262_144;
/** SQS and SNS count attribute names and values in the message size. */
export const ATTRIBUTES_COUNT_IN_SIZE = true;
/** 10 entries per call: SQS SendMessageBatch and SNS PublishBatch. */
export const MAX_BATCH_COUNT = 10;
/** 256 KiB per call: SQS/SNS batch total at the 256 KiB message size. */
export const MAX_BATCH_BYTES = 262_144;
/** 10 messages per receive: SQS ReceiveMessage MaxNumberOfMessages. */
export const MAX_RECEIVE_COUNT = 10;
/** 10 attributes per message: SQS message attributes (and SNS raw delivery to SQS). */
export const MAX_ATTRIBUTES = 10;
/** 256 bytes per attribute name: SQS and Pub/Sub attribute keys. */
export const MAX_ATTRIBUTE_NAME_BYTES = 256;
/** 1024 bytes per attribute value: Pub/Sub attribute values. */
export const MAX_ATTRIBUTE_VALUE_BYTES = 1024;
/**
 * SQS attribute names: letters, digits, `_`, `-` and `.`; no leading or trailing `.`, no `..`. (Pub/Sub and Service
 * Bus accept all of these.)
 */
export const ATTRIBUTE_NAME_PATTERN = /^(?!\.)(?!.*\.\.)(?!.*\.$)[A-Za-z0-9_.-]+$/;
/** Reserved prefixes: `AWS.` and `Amazon.` (SQS), `goog` (Pub/Sub). */
export const RESERVED_ATTRIBUTE_PREFIXES: readonly string[] = ['AWS.', 'Amazon.', 'goog'];
/** 128 characters: SQS FIFO MessageGroupId (Service Bus SessionId allows 128 too). */
export const MAX_ORDERING_KEY_LENGTH = 128;
/** 128 characters: SQS FIFO MessageDeduplicationId (Service Bus MessageId allows 128). */
export const MAX_DEDUP_ID_LENGTH = 128;

/** 900 s: SQS DelaySeconds maximum (SNS and Pub/Sub have no delay; Service Bus schedules further). */
export const MAX_DELAY_SECONDS = 900;
/** SQS FIFO refuses per-message DelaySeconds, so ordered entities take no native per-message delay. */
export const DELAY_ON_ORDERED = false;
/** 1 s: the shortest dedup window accepted (Service Bus's is 20 s, SQS's fixed at 300 s; memory lets tests be short). */
export const MIN_DEDUP_WINDOW_SECONDS = 1;
/** 7 days: Service Bus duplicate detection history maximum. */
export const MAX_DEDUP_WINDOW_SECONDS = 7 * 24 * 3600;
/** 1–1000 deliveries: SQS redrive policy maxReceiveCount. */
export const MIN_MAX_DELIVERIES = 1;
/** 1–1000 deliveries: SQS redrive policy maxReceiveCount. */
export const MAX_MAX_DELIVERIES = 1000;
/** 12 h: SQS ChangeMessageVisibility maximum, the longest delayed release. */
export const MAX_RELEASE_DELAY_SECONDS = 43_200;
/** 1 s: the shortest lease accepted (SQS allows 0, which means release). */
export const MIN_LEASE_SECONDS = 1;
/** 12 h: SQS visibility timeout maximum. */
export const MAX_LEASE_SECONDS = 43_200;

/**
 * The strict default limits.
 *
 * @example
 * ```ts
 * DEFAULT_MEMORY_LIMITS.maxAttributes; // 10
 * ```
 */
export const DEFAULT_MEMORY_LIMITS: Limits = Object.freeze({
  maxMessageBytes: MAX_MESSAGE_BYTES,
  attributesCountInSize: ATTRIBUTES_COUNT_IN_SIZE,
  maxBatchCount: MAX_BATCH_COUNT,
  maxBatchBytes: MAX_BATCH_BYTES,
  maxReceiveCount: MAX_RECEIVE_COUNT,
  maxAttributes: MAX_ATTRIBUTES,
  maxAttributeNameBytes: MAX_ATTRIBUTE_NAME_BYTES,
  maxAttributeValueBytes: MAX_ATTRIBUTE_VALUE_BYTES,
  attributeNamePattern: ATTRIBUTE_NAME_PATTERN,
  reservedAttributePrefixes: RESERVED_ATTRIBUTE_PREFIXES,
  maxOrderingKeyLength: MAX_ORDERING_KEY_LENGTH,
  maxDedupIdLength: MAX_DEDUP_ID_LENGTH,
});

/**
 * The memory driver's capabilities for given limits and dead-letter mode.
 *
 * @example
 * ```ts
 * memoryCapabilities(DEFAULT_MEMORY_LIMITS, false).deadLetter.withReason; // false: redrive-only, like SQS
 * ```
 */
export function memoryCapabilities(limits: Limits, nativeDeadLetter: boolean): Capabilities {
  return Object.freeze({
    provider: MEMORY_PROVIDER,
    ordering: true,
    delay: { maxSeconds: MAX_DELAY_SECONDS, onOrdered: DELAY_ON_ORDERED },
    dedup: {
      minWindowSeconds: MIN_DEDUP_WINDOW_SECONDS,
      maxWindowSeconds: MAX_DEDUP_WINDOW_SECONDS,
      requiresOrdering: false,
    },
    deadLetter: {
      withReason: nativeDeadLetter,
      minDeliveries: MIN_MAX_DELIVERIES,
      maxDeliveries: MAX_MAX_DELIVERIES,
    },
    serverFilters: true,
    release: { maxDelaySeconds: MAX_RELEASE_DELAY_SECONDS },
    lease: { minSeconds: MIN_LEASE_SECONDS, maxSeconds: MAX_LEASE_SECONDS },
    limits,
  });
}
