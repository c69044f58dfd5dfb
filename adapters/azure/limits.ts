/**
 * Azure Service Bus limits and the adapter's capabilities, every number a named constant with its source.
 * Quotas: https://learn.microsoft.com/azure/service-bus-messaging/service-bus-quotas
 *
 * Imports no SDK (the capability table and tools can read it without loading `@azure/service-bus`).
 *
 * @example
 * ```ts
 * import { azureCapabilities } from 'omnibus/azure';
 * azureCapabilities('premium').limits.maxMessageBytes; // 1045504
 * ```
 * @module
 */
import type { Capabilities, Limits } from '../../core/driver.js';

/** Service tier: sets the largest message. */
export type ServiceBusTier = 'standard' | 'premium';

/** Largest message on the Standard tier, headers included: 256 KB (quotas page, "Message size"). */
export const STANDARD_MAX_MESSAGE_BYTES = 262_144;

/** Default largest message of a Premium entity: 1 MB (quotas page; configurable per entity up to 100 MB). */
export const PREMIUM_DEFAULT_MAX_MESSAGE_BYTES = 1_048_576;

/** Premium entities take `maxMessageSizeInKilobytes` from 1,024 to 102,400 (quotas page, "Message size"). */
export const PREMIUM_MIN_MESSAGE_KILOBYTES = 1_024;
/** See {@link PREMIUM_MIN_MESSAGE_KILOBYTES}. */
export const PREMIUM_MAX_MESSAGE_KILOBYTES = 102_400;

/**
 * Header limit: system and application properties together at most 64 KB (quotas page, "Message property size":
 * "Cumulative size of all properties can't exceed 64 KB"). Checked per message by the driver before sending.
 */
export const MAX_HEADER_BYTES = 65_536;

/** Largest single property: 32 KB (quotas page, "Message property size ... Maximum size of each property"). */
export const MAX_PROPERTY_BYTES = 32_768;

/**
 * Application properties per message that Omnibus allows. Service Bus bounds them only by the 64 KB header; a fixed
 * count lets the size limit reserve room for their encoding (see {@link PER_PROPERTY_ENCODING_BYTES}).
 */
export const MAX_APPLICATION_PROPERTIES = 128;

/**
 * AMQP encoding bytes one application property may cost beyond the name and value bytes the bus counts (type codes
 * and length prefixes, a double's 8 bytes against its shorter decimal text): at most 16.
 */
export const PER_PROPERTY_ENCODING_BYTES = 16;

/**
 * Bytes reserved in every message for what the bus does not count: AMQP framing, the batch envelope, system
 * properties (MessageId and SessionId up to 128 characters each, content type, scheduled time) and Omnibus's own
 * routing property on redelivered copies. Measured on the SDK's `createMessageBatch`: about 150 bytes with a
 * 36-character MessageId; the batch envelope repeats the ids, so 128-character MessageId and SessionId plus a
 * scheduled time stay under 700.
 */
export const FIXED_OVERHEAD_BYTES = 1_024;

/** Total reserve: fixed overhead plus the encoding of every allowed property. */
export const MESSAGE_SIZE_RESERVE_BYTES =
  FIXED_OVERHEAD_BYTES + PER_PROPERTY_ENCODING_BYTES * MAX_APPLICATION_PROPERTIES;

/** Messages per transaction (and per send Omnibus makes): 100 (quotas page, "Number of messages per transaction"). */
export const MAX_MESSAGES_PER_SEND = 100;

/** Messages asked for in one receive call (the SDK has no hard cap; 100 keeps lock windows short). */
export const MAX_RECEIVE_COUNT = 100;

/** MessageId and SessionId are at most 128 characters (SDK `Constants.maxMessageIdLength` / `maxSessionIdLength`). */
export const MAX_MESSAGE_ID_LENGTH = 128;
/** See {@link MAX_MESSAGE_ID_LENGTH}. */
export const MAX_SESSION_ID_LENGTH = 128;

/** Lock duration: at most 5 minutes (queue/subscription `LockDuration`, ARM reference). */
export const MAX_LOCK_SECONDS = 300;
/** Lock duration: at least 5 seconds (the portal's and ARM's lower bound). */
export const MIN_LOCK_SECONDS = 5;

/** `MaxDeliveryCount` is at least 1; the portal accepts up to 2,000. */
export const MIN_DELIVERY_COUNT = 1;
/** See {@link MIN_DELIVERY_COUNT}. */
export const MAX_DELIVERY_COUNT = 2_000;

/** Duplicate detection history window: 20 seconds to 7 days (`DuplicateDetectionHistoryTimeWindow`). */
export const MIN_DUPLICATE_WINDOW_SECONDS = 20;
/** See {@link MIN_DUPLICATE_WINDOW_SECONDS}. */
export const MAX_DUPLICATE_WINDOW_SECONDS = 7 * 24 * 3_600;

/**
 * Longest delay through scheduled enqueue. Service Bus sets no maximum on `ScheduledEnqueueTimeUtc`; 12 hours is the
 * longest delay Omnibus accepts anywhere (the bus validates `delaySeconds` ≤ 43,200).
 */
export const SCHEDULED_DELAY_MAX_SECONDS = 43_200;

/**
 * Longest delayed release. Abandon is immediate on Service Bus, so the driver releases with a delay by itself: a
 * scheduled copy on unordered entities, a paused session on ordered ones (see CAPABILITIES.md); neither has a service
 * maximum, and 12 hours is the longest backoff a retry policy can ask for.
 */
export const RELEASE_MAX_DELAY_SECONDS = 43_200;

/** A SQL filter or action is at most 1,024 characters (quotas page, "Size of SQL filters or actions"). */
export const MAX_SQL_FILTER_LENGTH = 1_024;

/** Rule names are at most 50 characters (`RuleDescription.Name`). */
export const MAX_RULE_NAME_LENGTH = 50;

/**
 * `DeadLetterReason` and `DeadLetterErrorDescription` are cut at 4,096 characters (the .NET SDK's
 * `Constants.MaxDeadLetterReasonLength`, which the service enforces).
 */
export const MAX_DEAD_LETTER_REASON_LENGTH = 4_096;

/** Application properties Service Bus writes itself when dead-lettering; the adapter keeps users away from them. */
export const SERVICE_BUS_DEAD_LETTER_PROPERTIES = ['DeadLetterReason', 'DeadLetterErrorDescription'] as const;

/**
 * The largest message a tier takes by default (or the configured Premium size).
 *
 * @example
 * ```ts
 * tierMaxMessageBytes('standard'); // 262144
 * ```
 */
export function tierMaxMessageBytes(tier: ServiceBusTier, premiumKilobytes?: number): number {
  if (tier === 'standard') return STANDARD_MAX_MESSAGE_BYTES;
  return premiumKilobytes === undefined ? PREMIUM_DEFAULT_MAX_MESSAGE_BYTES : premiumKilobytes * 1_024;
}

/**
 * The limits the bus enforces for a tier: the tier's message size minus {@link MESSAGE_SIZE_RESERVE_BYTES}.
 *
 * @example
 * ```ts
 * azureLimits('standard').maxMessageBytes; // 259072
 * ```
 */
export function azureLimits(tier: ServiceBusTier = 'standard', premiumKilobytes?: number): Limits {
  const tierBytes = tierMaxMessageBytes(tier, premiumKilobytes);
  return {
    maxMessageBytes: tierBytes - MESSAGE_SIZE_RESERVE_BYTES,
    attributesCountInSize: true,
    maxBatchCount: MAX_MESSAGES_PER_SEND,
    maxBatchBytes: tierBytes,
    maxReceiveCount: MAX_RECEIVE_COUNT,
    maxAttributes: MAX_APPLICATION_PROPERTIES,
    maxAttributeNameBytes: MAX_PROPERTY_BYTES,
    maxAttributeValueBytes: MAX_PROPERTY_BYTES,
    attributeNamePattern: /^[\s\S]+$/,
    reservedAttributePrefixes: SERVICE_BUS_DEAD_LETTER_PROPERTIES,
    maxOrderingKeyLength: MAX_SESSION_ID_LENGTH,
    maxDedupIdLength: MAX_MESSAGE_ID_LENGTH,
  };
}

/**
 * The capabilities of the Azure driver on a tier.
 *
 * @example
 * ```ts
 * azureCapabilities().deadLetter; // { withReason: true, minDeliveries: 1, maxDeliveries: 2000 }
 * ```
 */
export function azureCapabilities(
  tier: ServiceBusTier = 'standard',
  premiumKilobytes?: number,
): Capabilities {
  return {
    provider: 'azure',
    ordering: true,
    delay: { maxSeconds: SCHEDULED_DELAY_MAX_SECONDS, onOrdered: true },
    dedup: {
      minWindowSeconds: MIN_DUPLICATE_WINDOW_SECONDS,
      maxWindowSeconds: MAX_DUPLICATE_WINDOW_SECONDS,
      requiresOrdering: false,
    },
    deadLetter: { withReason: true, minDeliveries: MIN_DELIVERY_COUNT, maxDeliveries: MAX_DELIVERY_COUNT },
    serverFilters: true,
    release: { maxDelaySeconds: RELEASE_MAX_DELAY_SECONDS },
    lease: { minSeconds: MIN_LOCK_SECONDS, maxSeconds: MAX_LOCK_SECONDS },
    limits: azureLimits(tier, premiumKilobytes),
  };
}
