/**
 * Google Cloud Pub/Sub's limits and the GCP driver's capabilities. Every number is a named constant with its
 * source: the Pub/Sub "Quotas and limits" page (cloud.google.com/pubsub/quotas), the v1 API reference
 * (google/pubsub/v1/pubsub.proto) or the official Node client (`@google-cloud/pubsub`). The Pub/Sub emulator
 * enforces none of the size and attribute limits, so the adapter (through core) enforces them all before sending.
 *
 * @example
 * ```ts
 * import { GCP_CAPABILITIES } from 'omnibus/gcp';
 * GCP_CAPABILITIES.limits.maxAttributes; // 98: Pub/Sub's 100 minus the adapter's two slots
 * ```
 * @module
 */
import { RESERVED_ATTRIBUTE_SLOTS } from '../../core/attributes.js';
import type { Capabilities, Limits } from '../../core/driver.js';

/** Provider name used in errors and capability messages. */
export const GCP_PROVIDER = 'gcp';

/**
 * 10 MB (10,000,000 bytes): "Publish request: 10 MB (total size)" and "Message size (the data field): 10 MB"
 * (Pub/Sub quotas); the Go client's `MaxPublishRequestBytes = 1e7`, Python's `_SERVER_PUBLISH_MAX_BYTES`.
 */
export const MAX_PUBLISH_REQUEST_BYTES = 10_000_000;
/**
 * Room kept out of the 10 MB request for what core does not count in a message: protobuf framing (topic name,
 * field tags and lengths: about 1.2 KB with 100 attributes), the ordering key (up to 1 KB), the adapter's own
 * `omnibus_types` and `omnibus_target` (up to 1.3 KB) and the base64 growth of byte attributes (up to 256 bytes each,
 * 24.8 KB for 97): 28.4 KB at worst, so 32 KiB.
 */
export const REQUEST_OVERHEAD_RESERVE_BYTES = 32 * 1024;
/**
 * The largest message core accepts (data plus attributes, which Pub/Sub counts in the request): 9,967,232 bytes,
 * so that any such message, encoded, fits one 10 MB publish request.
 */
export const MAX_MESSAGE_BYTES = MAX_PUBLISH_REQUEST_BYTES - REQUEST_OVERHEAD_RESERVE_BYTES;
/** Pub/Sub counts attribute keys and values in the request size. */
export const ATTRIBUTES_COUNT_IN_SIZE = true;
/** "Publish request: 1,000 messages" (Pub/Sub quotas; Node client `BATCH_LIMITS.maxMessages`). */
export const MAX_PUBLISH_REQUEST_MESSAGES = 1000;
/** Bytes per send call: the publish request limit. */
export const MAX_BATCH_BYTES = MAX_PUBLISH_REQUEST_BYTES;
/**
 * Data and attribute bytes per publish request, as the Node client counts them (it counts neither framing nor
 * ordering keys). 1,000 messages add at most 0.92 MB of framing and 1 MB of ordering keys, so 8,000,000 keeps every
 * request within 10 MB (the client's own cap, `BATCH_LIMITS.maxBytes`, is 9 MiB). The publisher splits a send call
 * into requests of this size; a single larger message goes alone.
 */
export const CLIENT_BATCH_MAX_BYTES = 8_000_000;
/** Longest the publisher waits to fill a batch, in ms; the driver flushes at once after queueing a send call. */
export const CLIENT_BATCH_MAX_MILLISECONDS = 10;
/** "Attributes per message: 100" (Pub/Sub quotas). */
export const PUBSUB_MAX_ATTRIBUTES = 100;
/** "Attribute key size: 256 bytes" (Pub/Sub quotas). */
export const MAX_ATTRIBUTE_NAME_BYTES = 256;
/** "Attribute value size: 1024 bytes" (Pub/Sub quotas). */
export const MAX_ATTRIBUTE_VALUE_BYTES = 1024;
/** Attribute keys are any non-empty UTF-8 text (pubsub.proto `PubsubMessage.attributes`). */
export const ATTRIBUTE_NAME_PATTERN = /^.+$/;
/** "Attribute keys must not start with `goog`" (pubsub.proto; the service refuses them). */
export const RESERVED_ATTRIBUTE_PREFIXES: readonly string[] = ['goog'];
/**
 * Attribute slots the GCP adapter itself may use on one message, besides core's: `omnibus_types` (types of number
 * and byte attributes) and `omnibus_target` (a copy redelivered to one subscription).
 */
export const ADAPTER_ATTRIBUTE_SLOTS = 2;
/** Attributes declared to core: Pub/Sub's 100 minus the adapter's own slots (core subtracts its own). */
export const MAX_ATTRIBUTES = PUBSUB_MAX_ATTRIBUTES - ADAPTER_ATTRIBUTE_SLOTS;
/** User attributes per message: {@link MAX_ATTRIBUTES} minus core's reserved slot. */
export const USER_ATTRIBUTE_BUDGET = MAX_ATTRIBUTES - RESERVED_ATTRIBUTE_SLOTS;
/** "Ordering key: 1 KB" (Pub/Sub quotas); checked in characters by core and in UTF-8 bytes by the adapter. */
export const MAX_ORDERING_KEY_BYTES = 1024;
/** Pub/Sub has no broker dedup id; core needs a number: the common 128 (SQS, Service Bus). Never used here. */
export const MAX_DEDUP_ID_LENGTH = 128;
/** Most messages one receive call hands out (the receiver's buffer is bounded by the consumer's concurrency). */
export const MAX_RECEIVE_COUNT = 1000;

/** "ackDeadlineSeconds: minimum 10 s" (pubsub.proto `Subscription.ack_deadline_seconds`). */
export const MIN_ACK_DEADLINE_SECONDS = 10;
/** "ackDeadlineSeconds: maximum 600 s"; also the largest `ModifyAckDeadline` (pubsub.proto). */
export const MAX_ACK_DEADLINE_SECONDS = 600;
/** Longest delayed release: a `ModifyAckDeadline` of up to 600 s (0 is an immediate nack). */
export const MAX_RELEASE_DELAY_SECONDS = MAX_ACK_DEADLINE_SECONDS;
/** Dead-letter policy `max_delivery_attempts`: 5–100 (pubsub.proto `DeadLetterPolicy`). */
export const MIN_MAX_DELIVERY_ATTEMPTS = 5;
/** Dead-letter policy `max_delivery_attempts`: 5–100. */
export const MAX_MAX_DELIVERY_ATTEMPTS = 100;
/** Subscription `message_retention_duration`: 10 minutes to 7 days (pubsub.proto). */
export const MIN_RETENTION_SECONDS = 600;
/** Subscription `message_retention_duration`: at most 7 days. */
export const MAX_RETENTION_SECONDS = 7 * 24 * 3600;
/** "The maximum length of a filter is 256 bytes" (Pub/Sub filtering docs). */
export const MAX_FILTER_BYTES = 256;
/** Topic and subscription ids: 3–255 characters (pubsub.proto `Topic.name`). */
export const MIN_RESOURCE_ID_LENGTH = 3;
/** Topic and subscription ids: at most 255 characters. */
export const MAX_RESOURCE_ID_LENGTH = 255;
/** Topic and subscription ids must not start with `goog` (pubsub.proto). */
export const RESERVED_RESOURCE_PREFIX = 'goog';
/**
 * Ack ids per Acknowledge / ModifyAckDeadline call. The service caps the request at 512 KiB; ack ids are ~200
 * bytes, so 1,000 stays well inside.
 */
export const MAX_ACK_IDS_PER_REQUEST = 1000;
/** The Node client sends an empty request on each stream this often to keep it open (message-stream.js). */
export const STREAM_KEEPALIVE_MS = 30_000;

/**
 * Pub/Sub's limits as core enforces them before sending.
 *
 * @example
 * ```ts
 * GCP_LIMITS.maxBatchCount; // 1000
 * ```
 */
export const GCP_LIMITS: Limits = Object.freeze({
  maxMessageBytes: MAX_MESSAGE_BYTES,
  attributesCountInSize: ATTRIBUTES_COUNT_IN_SIZE,
  maxBatchCount: MAX_PUBLISH_REQUEST_MESSAGES,
  maxBatchBytes: MAX_BATCH_BYTES,
  maxReceiveCount: MAX_RECEIVE_COUNT,
  maxAttributes: MAX_ATTRIBUTES,
  maxAttributeNameBytes: MAX_ATTRIBUTE_NAME_BYTES,
  maxAttributeValueBytes: MAX_ATTRIBUTE_VALUE_BYTES,
  attributeNamePattern: ATTRIBUTE_NAME_PATTERN,
  reservedAttributePrefixes: RESERVED_ATTRIBUTE_PREFIXES,
  maxOrderingKeyLength: MAX_ORDERING_KEY_BYTES,
  maxDedupIdLength: MAX_DEDUP_ID_LENGTH,
});

/**
 * What Pub/Sub does natively. No native delay (core holds delayed messages with delayed releases of up to 600 s),
 * no broker dedup (core refuses `deduplication`), dead-lettering after 5–100 deliveries without a reason (core
 * sends the envelope copy itself), server-side attribute filters.
 *
 * @example
 * ```ts
 * GCP_CAPABILITIES.delay.maxSeconds; // 0
 * ```
 */
export const GCP_CAPABILITIES: Capabilities = Object.freeze({
  provider: GCP_PROVIDER,
  ordering: true,
  delay: { maxSeconds: 0, onOrdered: false },
  dedup: false,
  deadLetter: {
    withReason: false,
    minDeliveries: MIN_MAX_DELIVERY_ATTEMPTS,
    maxDeliveries: MAX_MAX_DELIVERY_ATTEMPTS,
  },
  serverFilters: true,
  release: { maxDelaySeconds: MAX_RELEASE_DELAY_SECONDS },
  lease: { minSeconds: MIN_ACK_DEADLINE_SECONDS, maxSeconds: MAX_ACK_DEADLINE_SECONDS },
  limits: GCP_LIMITS,
});
