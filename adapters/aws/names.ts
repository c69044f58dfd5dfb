/**
 * Physical names on SQS and SNS for declared entities: an optional prefix, `.fifo` for ordered or deduplicated
 * entities, `<topic>-<subscription>` for a subscription's queue, and a stable hash when a name would pass SQS's
 * 80-character limit. No SDK import.
 *
 * @example
 * ```ts
 * queueName('billing', true);                  // 'billing.fifo'
 * subscriptionQueueName('orders', 'email', false); // 'orders-email'
 * ```
 * @module
 */
import { createHash } from 'node:crypto';
import type { QueueSpec, SourceSpec, SubscriptionSpec, TopicSpec } from '../../core/driver.js';
import { ConfigurationError } from '../../core/errors.js';
import { FIFO_SUFFIX, SNS_MAX_TOPIC_NAME_LENGTH, SQS_MAX_QUEUE_NAME_LENGTH } from './limits.js';

/** Characters a name prefix may use (legal in SQS queue and SNS topic names). */
const PREFIX_PATTERN = /^[A-Za-z0-9_-]*$/;

/**
 * Checks a name prefix (e.g. `staging-`); throws {@link ConfigurationError} naming `namePrefix`.
 *
 * @example
 * ```ts
 * assertNamePrefix('staging-'); // ok
 * ```
 */
export function assertNamePrefix(prefix: string): void {
  if (!PREFIX_PATTERN.test(prefix) || prefix.length > 40) {
    throw new ConfigurationError(
      'namePrefix',
      `"${prefix}" must use only letters, digits, "-" and "_", at most 40 characters`,
    );
  }
}

function fitName(base: string, suffix: string, max: number): string {
  if (base.length + suffix.length <= max) return base + suffix;
  const hash = createHash('sha256').update(base).digest('hex').slice(0, 8);
  return `${base.slice(0, max - suffix.length - hash.length - 1)}-${hash}${suffix}`;
}

/**
 * The SQS queue name of a declared queue name: prefix + name (+ `.fifo`), shortened with a stable 8-hex hash when
 * over 80 characters.
 *
 * @example
 * ```ts
 * queueName('billing', true, 'staging-'); // 'staging-billing.fifo'
 * ```
 */
export function queueName(name: string, fifo: boolean, prefix = ''): string {
  return fitName(prefix + name, fifo ? FIFO_SUFFIX : '', SQS_MAX_QUEUE_NAME_LENGTH);
}

/**
 * The SQS queue name of a subscription: `<topic>-<subscription>` (+ `.fifo`).
 *
 * @example
 * ```ts
 * subscriptionQueueName('orders', 'email', true); // 'orders-email.fifo'
 * ```
 */
export function subscriptionQueueName(
  topic: string,
  subscription: string,
  fifo: boolean,
  prefix = '',
): string {
  return queueName(`${topic}-${subscription}`, fifo, prefix);
}

/**
 * The SNS topic name of a declared topic: prefix + name (+ `.fifo`).
 *
 * @example
 * ```ts
 * topicName('orders', false); // 'orders'
 * ```
 */
export function topicName(name: string, fifo: boolean, prefix = ''): string {
  return fitName(prefix + name, fifo ? FIFO_SUFFIX : '', SNS_MAX_TOPIC_NAME_LENGTH);
}

/**
 * Whether a queue or topic is FIFO on AWS: ordered or deduplicated.
 *
 * @example
 * ```ts
 * isFifoTarget({ kind: 'topic', ordered: false, dedupWindowSeconds: 300, … }); // true
 * ```
 */
export function isFifoTarget(spec: QueueSpec | TopicSpec): boolean {
  return spec.ordered || spec.dedupWindowSeconds !== undefined;
}

/**
 * The FIFO-ness of a source as far as its spec tells: `true`/`false`, or `undefined` when the spec alone cannot say
 * (a subscription of a deduplicated but unordered topic is FIFO; so is the dead-letter queue of a deduplicated but
 * unordered source, since SQS needs a FIFO queue's dead-letter queue to be FIFO). The driver then looks the queue
 * up under both names, standard first.
 *
 * @example
 * ```ts
 * sourceFifo(orderedQueueSpec); // true
 * ```
 */
export function sourceFifo(spec: SourceSpec): boolean | undefined {
  if (spec.kind === 'queue') {
    if (isFifoTarget(spec)) return true;
    return spec.deadLetterOf === undefined ? false : undefined;
  }
  return spec.ordered ? true : undefined;
}

/**
 * The candidate SQS names of a source, most likely first.
 *
 * @example
 * ```ts
 * sourceQueueNames(subSpec, ''); // ['orders-email', 'orders-email.fifo'] for an unordered subscription
 * ```
 */
export function sourceQueueNames(spec: SourceSpec, prefix = ''): string[] {
  const name = (fifo: boolean) =>
    spec.kind === 'queue'
      ? queueName(spec.name, fifo, prefix)
      : subscriptionQueueName(spec.topic, spec.name, fifo, prefix);
  const fifo = sourceFifo(spec);
  return fifo === undefined ? [name(false), name(true)] : [name(fifo)];
}

/**
 * The cache key of a queue, topic or subscription (its logical identity).
 *
 * @example
 * ```ts
 * entityKey(subSpec); // 'subscription:orders/email'
 * ```
 */
export function entityKey(spec: QueueSpec | TopicSpec | SubscriptionSpec): string {
  return spec.kind === 'subscription'
    ? `subscription:${spec.topic}/${spec.name}`
    : `${spec.kind}:${spec.name}`;
}

/**
 * Human description of an entity for error messages, e.g. `queue "billing" (SQS billing.fifo)`.
 *
 * @example
 * ```ts
 * describeEntity(queueSpec, 'billing.fifo');
 * ```
 */
export function describeEntity(spec: QueueSpec | TopicSpec | SubscriptionSpec, physical?: string): string {
  const logical = spec.kind === 'subscription' ? `${spec.topic}/${spec.name}` : spec.name;
  const service = spec.kind === 'topic' ? 'SNS' : 'SQS';
  return `${spec.kind} "${logical}"${physical ? ` (${service} ${physical})` : ''}`;
}
