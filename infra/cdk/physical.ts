/**
 * How a declaration maps to SQS and SNS, with the AWS adapter's own decisions: its capabilities for `specOf`, its
 * naming helpers for physical names, and its FIFO rule (ordered or deduplicated; a subscription's queue follows
 * its topic; an automatic dead-letter queue follows its source). No CDK import.
 *
 * @example
 * ```ts
 * const billing = sourceOf(defineQueue('billing', { ordering: true }), { namePrefix: '' });
 * billing.physicalName; // 'billing.fifo'
 * ```
 * @module
 */

import { AWS_CAPABILITIES } from '../../adapters/aws/limits.js';
import { isFifoTarget, queueName, subscriptionQueueName, topicName } from '../../adapters/aws/names.js';
import type { Consumable, QueueDeclaration, TopicDeclaration } from '../../core/declarations.js';
import { pathOf } from '../../core/declarations.js';
import type { Capabilities, QueueSpec, SourceSpec, SubscriptionSpec, TopicSpec } from '../../core/driver.js';
import { specOf } from '../../core/plan.js';

/** Settings shared by every mapping. */
export interface MappingOptions {
  /** Prefix of every physical name, as the AWS adapter's `namePrefix` (default none). */
  readonly namePrefix?: string | undefined;
  /** Capabilities the decisions are made with (default: the AWS adapter's, `AWS_CAPABILITIES`). */
  readonly capabilities?: Capabilities | undefined;
}

/** A queue or subscription as deployed: its driver spec, its SQS name and type. */
export interface SourceMapping {
  /** `billing`, or `orders/email` for a subscription. */
  readonly path: string;
  readonly spec: SourceSpec;
  readonly fifo: boolean;
  /** The SQS queue name. */
  readonly physicalName: string;
}

/** A topic as deployed. */
export interface TopicMapping {
  readonly spec: TopicSpec;
  readonly fifo: boolean;
  /** The SNS topic name. */
  readonly physicalName: string;
}

/**
 * The capabilities mappings use (the AWS adapter's by default).
 *
 * @example
 * ```ts
 * capabilitiesOf({}).provider; // 'aws'
 * ```
 */
export function capabilitiesOf(options: MappingOptions): Capabilities {
  return options.capabilities ?? AWS_CAPABILITIES;
}

/**
 * The mapping of a topic: FIFO when ordered or deduplicated.
 *
 * @example
 * ```ts
 * topicOf(defineTopic('orders', { ordering: true }), {}).physicalName; // 'orders.fifo'
 * ```
 */
export function topicOf(declaration: TopicDeclaration<any, any>, options: MappingOptions): TopicMapping {
  const spec = specOf(declaration, capabilitiesOf(options));
  const fifo = isFifoTarget(spec);
  return { spec, fifo, physicalName: topicName(spec.name, fifo, options.namePrefix ?? '') };
}

/**
 * The mapping of a queue or subscription. `fifo` overrides the type (an automatic dead-letter queue takes its
 * source's); by default a queue is FIFO when ordered or deduplicated and a subscription's queue when its topic is.
 *
 * @example
 * ```ts
 * sourceOf(orders.subscription('email'), {}).physicalName; // 'orders-email'
 * ```
 */
export function sourceOf(declaration: Consumable, options: MappingOptions, fifo?: boolean): SourceMapping {
  const caps = capabilitiesOf(options);
  const prefix = options.namePrefix ?? '';
  if (declaration.kind === 'queue') {
    const spec: QueueSpec = specOf(declaration as QueueDeclaration<any, any>, caps);
    const isFifo = fifo ?? isFifoTarget(spec);
    return { path: spec.name, spec, fifo: isFifo, physicalName: queueName(spec.name, isFifo, prefix) };
  }
  const spec: SubscriptionSpec = specOf(declaration, caps);
  const isFifo = fifo ?? isFifoTarget(specOf(declaration.topic, caps));
  return {
    path: pathOf(declaration),
    spec,
    fifo: isFifo,
    physicalName: subscriptionQueueName(spec.topic, spec.name, isFifo, prefix),
  };
}
