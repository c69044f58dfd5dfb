/**
 * Every AWS number the adapter relies on, each with the documentation it comes from, and the capabilities the
 * driver declares from them. Pure data: no SDK import (the CDK constructs reuse it).
 *
 * @example
 * ```ts
 * import { AWS_CAPABILITIES, SQS_MAX_DELAY_SECONDS } from 'omnibus/aws';
 * AWS_CAPABILITIES.limits.maxAttributes; // 10
 * ```
 * @module
 */
import type { Capabilities, Limits } from '../../core/driver.js';

/**
 * SNS Publish / PublishBatch: a message (body and attributes) is at most 256 KiB.
 * https://docs.aws.amazon.com/sns/latest/api/API_Publish.html
 */
export const SNS_MAX_MESSAGE_BYTES = 262_144;

/**
 * SQS: a message is at most 1 MiB since August 2025 (it was 256 KiB before; queue attribute MaximumMessageSize,
 * 1,024–1,048,576). https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/quotas-messages.html
 * Not used for the declared limit: SNS's is stricter and the bus has one limit for queues and topics.
 */
export const SQS_MAX_MESSAGE_BYTES = 1_048_576;

/** The declared message limit, the same for queues and topics: SNS's, the stricter. */
export const AWS_MAX_MESSAGE_BYTES = SNS_MAX_MESSAGE_BYTES;

/**
 * SNS PublishBatch: the aggregate of all messages of one call is at most 256 KiB (SQS SendMessageBatch allows the
 * message maximum in total). https://docs.aws.amazon.com/sns/latest/api/API_PublishBatch.html
 */
export const AWS_MAX_BATCH_BYTES = 262_144;

/**
 * SendMessageBatch, DeleteMessageBatch, ChangeMessageVisibilityBatch and SNS PublishBatch: at most 10 entries.
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessageBatch.html
 */
export const AWS_MAX_BATCH_ENTRIES = 10;

/**
 * ReceiveMessage MaxNumberOfMessages: 1–10.
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ReceiveMessage.html
 */
export const SQS_MAX_RECEIVE_COUNT = 10;

/**
 * ReceiveMessage WaitTimeSeconds (long polling): 0–20 s.
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ReceiveMessage.html
 */
export const SQS_MAX_WAIT_SECONDS = 20;

/**
 * SQS message attributes: at most 10 per message (moto does not enforce it; SNS raw delivery to SQS drops messages
 * with more). https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-message-metadata.html
 */
export const SQS_MAX_ATTRIBUTES = 10;

/** SQS attribute names: up to 256 characters (same page). */
export const SQS_MAX_ATTRIBUTE_NAME_BYTES = 256;

/**
 * SQS attribute names: letters, digits, `_`, `-`, `.`; case-sensitive; no leading or trailing period, no two periods
 * in a row (the `AWS.` / `Amazon.` prefixes are refused separately). Same page.
 */
export const SQS_ATTRIBUTE_NAME_PATTERN = /^(?!\.)(?!.*\.\.)[A-Za-z0-9_.-]+(?<!\.)$/;

/** Attribute name prefixes SQS reserves for itself, case-insensitive. Same page. */
export const SQS_RESERVED_ATTRIBUTE_PREFIXES = ['AWS.', 'Amazon.'] as const;

/**
 * FIFO MessageGroupId and MessageDeduplicationId: up to 128 characters of `a-z A-Z 0-9` and punctuation
 * ``!"#$%&'()*+,-./:;<=>?@[\]^_`{|}~``.
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessage.html
 */
export const SQS_MAX_GROUP_ID_LENGTH = 128;
/** See {@link SQS_MAX_GROUP_ID_LENGTH}. */
export const SQS_MAX_DEDUP_ID_LENGTH = 128;
/** Characters allowed in a FIFO group id or dedup id (see {@link SQS_MAX_GROUP_ID_LENGTH}). */
export const SQS_FIFO_ID_PATTERN = /^[A-Za-z0-9!"#$%&'()*+,\-./:;<=>?@[\\\]^_`{|}~]+$/;

/**
 * Characters SQS accepts in a body or a String attribute: #x9 | #xA | #xD | #x20–#xD7FF | #xE000–#xFFFD |
 * #x10000–#x10FFFF; anything else is refused. https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessage.html
 */
export const SQS_INVALID_TEXT = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

/**
 * FIFO deduplication interval: fixed at 5 minutes (SQS and SNS FIFO).
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/FIFO-queues-exactly-once-processing.html
 */
export const SQS_DEDUP_WINDOW_SECONDS = 300;

/**
 * Delay: 0–900 s, per message on standard queues, per queue only on FIFO queues.
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-delay-queues.html
 */
export const SQS_MAX_DELAY_SECONDS = 900;

/**
 * Visibility timeout: 0 s – 12 h (ChangeMessageVisibility, queue attribute and ReceiveMessage).
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-visibility-timeout.html
 */
export const SQS_MAX_VISIBILITY_SECONDS = 43_200;

/**
 * Redrive policy maxReceiveCount: 1–1,000.
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-configure-dead-letter-queue.html
 */
export const SQS_MIN_MAX_RECEIVE_COUNT = 1;
/** See {@link SQS_MIN_MAX_RECEIVE_COUNT}. */
export const SQS_MAX_MAX_RECEIVE_COUNT = 1_000;

/**
 * Queue names: up to 80 characters of letters, digits, `-`, `_`; FIFO names end in `.fifo` (counted).
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_CreateQueue.html
 */
export const SQS_MAX_QUEUE_NAME_LENGTH = 80;

/** Topic names: up to 256 characters; FIFO names end in `.fifo`. https://docs.aws.amazon.com/sns/latest/api/API_CreateTopic.html */
export const SNS_MAX_TOPIC_NAME_LENGTH = 256;

/** Suffix of FIFO queue and topic names. */
export const FIFO_SUFFIX = '.fifo';

/**
 * SNS filter policies: at most 5 keys, at most 150 combinations (product of the values per key), numeric values
 * within ±10^9 with at most 5 decimal places.
 * https://docs.aws.amazon.com/sns/latest/dg/subscription-filter-policy-constraints.html
 */
export const SNS_FILTER_MAX_KEYS = 5;
/** See {@link SNS_FILTER_MAX_KEYS}. */
export const SNS_FILTER_MAX_COMBINATIONS = 150;
/** See {@link SNS_FILTER_MAX_KEYS}. */
export const SNS_FILTER_MAX_NUMBER = 1_000_000_000;
/** See {@link SNS_FILTER_MAX_KEYS}. */
export const SNS_FILTER_MAX_DECIMALS = 5;

/** The limits the driver declares (every number above, in the bus's terms). */
export const AWS_LIMITS: Limits = {
  maxMessageBytes: AWS_MAX_MESSAGE_BYTES,
  attributesCountInSize: true,
  maxBatchCount: AWS_MAX_BATCH_ENTRIES,
  maxBatchBytes: AWS_MAX_BATCH_BYTES,
  maxReceiveCount: SQS_MAX_RECEIVE_COUNT,
  maxAttributes: SQS_MAX_ATTRIBUTES,
  maxAttributeNameBytes: SQS_MAX_ATTRIBUTE_NAME_BYTES,
  // Only the message size bounds an attribute value on SQS and SNS.
  maxAttributeValueBytes: Number.POSITIVE_INFINITY,
  attributeNamePattern: SQS_ATTRIBUTE_NAME_PATTERN,
  reservedAttributePrefixes: SQS_RESERVED_ATTRIBUTE_PREFIXES,
  maxOrderingKeyLength: SQS_MAX_GROUP_ID_LENGTH,
  maxDedupIdLength: SQS_MAX_DEDUP_ID_LENGTH,
};

/**
 * What SQS + SNS do natively. Ordering and dedup live on FIFO queues and topics (a deduplicated but unordered
 * entity is FIFO too, each message in a group of its own); dead-lettering is a redrive policy without a reason (the
 * bus sends the envelope copy); filters are SNS filter policies; delayed release and lease extension are
 * ChangeMessageVisibility.
 */
export const AWS_CAPABILITIES: Capabilities = {
  provider: 'aws',
  ordering: true,
  delay: { maxSeconds: SQS_MAX_DELAY_SECONDS, onOrdered: false, onDeduplicated: false },
  dedup: {
    minWindowSeconds: SQS_DEDUP_WINDOW_SECONDS,
    maxWindowSeconds: SQS_DEDUP_WINDOW_SECONDS,
    fixedWindowSeconds: SQS_DEDUP_WINDOW_SECONDS,
    requiresOrdering: false,
  },
  deadLetter: {
    withReason: false,
    minDeliveries: SQS_MIN_MAX_RECEIVE_COUNT,
    maxDeliveries: SQS_MAX_MAX_RECEIVE_COUNT,
  },
  serverFilters: true,
  release: { maxDelaySeconds: SQS_MAX_VISIBILITY_SECONDS },
  lease: { minSeconds: 0, maxSeconds: SQS_MAX_VISIBILITY_SECONDS },
  limits: AWS_LIMITS,
};
