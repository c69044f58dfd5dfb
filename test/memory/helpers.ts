/**
 * Spec builders for the memory driver's unit tests.
 *
 * @example
 * ```ts
 * const q = queueSpec('orders', { ordered: true });
 * ```
 * @module
 */
import type { DriverMessage, QueueSpec, SubscriptionSpec, TopicSpec } from '../../core/driver.js';

/**
 * A queue spec with test defaults (30 s lease, 4 days retention, no DLQ).
 *
 * @example
 * ```ts
 * queueSpec('q', { leaseSeconds: 10 });
 * ```
 */
export function queueSpec(name: string, overrides: Partial<QueueSpec> = {}): QueueSpec {
  return {
    kind: 'queue',
    name,
    format: 'json',
    ordered: false,
    dedupWindowSeconds: undefined,
    leaseSeconds: 30,
    retentionSeconds: 4 * 24 * 3600,
    delaySeconds: 0,
    maxDeliveries: undefined,
    deadLetterQueue: undefined,
    deadLetterOf: undefined,
    ...overrides,
  };
}

/**
 * A topic spec.
 *
 * @example
 * ```ts
 * topicSpec('t', { dedupWindowSeconds: 60 });
 * ```
 */
export function topicSpec(name: string, overrides: Partial<TopicSpec> = {}): TopicSpec {
  return { kind: 'topic', name, format: 'json', ordered: false, dedupWindowSeconds: undefined, ...overrides };
}

/**
 * A subscription spec.
 *
 * @example
 * ```ts
 * subscriptionSpec('t', 's', { filter: { region: 'eu' } });
 * ```
 */
export function subscriptionSpec(
  topic: string,
  name: string,
  overrides: Partial<SubscriptionSpec> = {},
): SubscriptionSpec {
  return {
    kind: 'subscription',
    name,
    topic,
    format: 'json',
    ordered: false,
    filter: undefined,
    leaseSeconds: 30,
    retentionSeconds: 4 * 24 * 3600,
    maxDeliveries: undefined,
    deadLetterQueue: undefined,
    ...overrides,
  };
}

/**
 * A text message.
 *
 * @example
 * ```ts
 * msg('hello', { orderingKey: 'g' });
 * ```
 */
export function msg(body: string, extra: Partial<DriverMessage> = {}): DriverMessage {
  return { body, attributes: {}, ...extra };
}

/**
 * Bodies of deliveries, as strings.
 *
 * @example
 * ```ts
 * bodies(await receiver.receive(10, { waitSeconds: 0 })); // ['a', 'b']
 * ```
 */
export function bodies(deliveries: readonly { body: string | Uint8Array }[]): string[] {
  return deliveries.map((d) => (typeof d.body === 'string' ? d.body : Buffer.from(d.body).toString('utf8')));
}
