/**
 * From a driver {@link Topology} to the Service Bus entities to create (a pure function; no SDK). Settings are
 * named as the administration API names them (and the twin takes them as is):
 *
 * - queue → queue: `lockDuration` = lease (clamped to 5–300 s), `maxDeliveryCount` = the spec's safety net (or
 *   2,000 without a dead-letter queue), `requiresSession` when ordered, duplicate detection with its window,
 *   `defaultMessageTimeToLive` = retention.
 * - topic → topic (duplicate detection when declared); subscription → subscription with two SQL rules replacing
 *   `$Default`: `omnibus` = `(<filter>) AND NOT EXISTS(user.[omnibus_to])` (fan-out), and `omnibus-redeliver` =
 *   `user.[omnibus_to] = '<name>'` (copies put onto this subscription only).
 * - the automatic dead-letter queue of a queue or subscription (`deadLetterOf` set) is its native
 *   `$DeadLetterQueue` sub-queue: nothing is created for it. A dead-letter queue declared by the user (a queue of its
 *   own) is created, and the source forwards its dead letters there (`forwardDeadLetteredMessagesTo`).
 *
 * @example
 * ```ts
 * const plan = planEntities(topologyOf([billing, orderPlaced], caps));
 * plan.queues[0]; // { name: 'billing', options: { lockDuration: 'PT30S', maxDeliveryCount: 5, … } }
 * ```
 * @module
 */
import type { QueueSpec, SourceSpec, SubscriptionSpec, Topology } from '../../core/driver.js';
import { CapabilityError, ValidationError } from '../../core/errors.js';
import {
  MAX_DELIVERY_COUNT,
  MAX_LOCK_SECONDS,
  MAX_RULE_NAME_LENGTH,
  MAX_SQL_FILTER_LENGTH,
  MIN_LOCK_SECONDS,
} from './limits.js';
import { sqlFilterOf, sqlProperty, sqlString } from './sql-filter.js';
import { ROUTING_PROPERTY } from './wire.js';

/** Name of the fan-out rule every subscription gets. */
export const FILTER_RULE_NAME = 'omnibus';
/** Name of the rule that takes copies redelivered to one subscription. */
export const REDELIVER_RULE_NAME = 'omnibus-redeliver';
/** The rule Service Bus gives a new subscription; provisioning replaces it. */
export const DEFAULT_RULE_NAME = '$Default';

/** Queue settings, as the administration API names them. */
export interface QueueEntityOptions {
  lockDuration: string;
  maxDeliveryCount: number;
  requiresSession: boolean;
  requiresDuplicateDetection: boolean;
  duplicateDetectionHistoryTimeWindow?: string;
  defaultMessageTimeToLive: string;
  deadLetteringOnMessageExpiration: boolean;
  forwardDeadLetteredMessagesTo?: string;
  maxMessageSizeInKilobytes?: number;
}

/** Topic settings. */
export interface TopicEntityOptions {
  requiresDuplicateDetection: boolean;
  duplicateDetectionHistoryTimeWindow?: string;
  supportOrdering: boolean;
  maxMessageSizeInKilobytes?: number;
}

/** A SQL rule. */
export interface SqlRule {
  name: string;
  filter: { sqlExpression: string };
}

/** Subscription settings. */
export interface SubscriptionEntityOptions {
  lockDuration: string;
  maxDeliveryCount: number;
  requiresSession: boolean;
  defaultMessageTimeToLive: string;
  deadLetteringOnMessageExpiration: boolean;
  forwardDeadLetteredMessagesTo?: string;
}

/** Everything to create, in creation order (forwarding targets first). */
export interface EntityPlan {
  readonly queues: readonly { readonly name: string; readonly options: QueueEntityOptions }[];
  readonly topics: readonly { readonly name: string; readonly options: TopicEntityOptions }[];
  readonly subscriptions: readonly {
    readonly topic: string;
    readonly name: string;
    readonly options: SubscriptionEntityOptions;
    readonly rules: readonly SqlRule[];
  }[];
}

/** Options of {@link planEntities}. */
export interface PlanOptions {
  /** Premium only: the entities' largest message in KB. */
  readonly maxMessageSizeInKilobytes?: number | undefined;
}

/**
 * An ISO 8601 duration of whole seconds, as the administration API wants (`PT30S`, `P14D`).
 *
 * @example
 * ```ts
 * isoDuration(90); // 'PT1M30S'
 * ```
 */
export function isoDuration(seconds: number): string {
  let s = Math.max(0, Math.round(seconds));
  const days = Math.floor(s / 86_400);
  s -= days * 86_400;
  const hours = Math.floor(s / 3_600);
  s -= hours * 3_600;
  const minutes = Math.floor(s / 60);
  s -= minutes * 60;
  let time = '';
  if (hours) time += `${hours}H`;
  if (minutes) time += `${minutes}M`;
  if (s || (!days && !time)) time += `${s}S`;
  return `P${days ? `${days}D` : ''}${time ? `T${time}` : ''}`;
}

/**
 * The lock duration of a lease: at least 5 s (a shorter lease becomes 5 s: the bus extends every third of its own
 * lease, so a longer lock is harmless); a lease over 5 minutes is refused, since the bus would extend too late.
 *
 * @example
 * ```ts
 * lockSecondsOf(2, 'queue "q"'); // 5
 * ```
 */
export function lockSecondsOf(leaseSeconds: number, entity: string): number {
  if (leaseSeconds > MAX_LOCK_SECONDS) {
    throw new CapabilityError(
      'azure',
      `leaseSeconds: ${leaseSeconds} on ${entity}`,
      `Service Bus locks last at most ${MAX_LOCK_SECONDS} s (the bus extends a lease every third of it)`,
    );
  }
  return Math.max(MIN_LOCK_SECONDS, Math.ceil(leaseSeconds));
}

/**
 * Where a dead-letter queue spec lives: the native sub-queue of its source (`deadLetterOf` set), or a queue.
 *
 * @example
 * ```ts
 * isNativeDeadLetterQueue(specOf(billing.deadLetter!, caps)); // true
 * ```
 */
export function isNativeDeadLetterQueue(spec: QueueSpec): boolean {
  return spec.deadLetterOf !== undefined;
}

/**
 * The SQL of a subscription's fan-out rule.
 *
 * @example
 * ```ts
 * fanOutRuleSql({ region: 'eu' }); // "(user.[region] = 'eu') AND NOT EXISTS(user.[omnibus_to])"
 * ```
 */
export function fanOutRuleSql(filter: SubscriptionSpec['filter'], field = 'filter'): string {
  const notRouted = `NOT EXISTS(${sqlProperty(ROUTING_PROPERTY)})`;
  return filter === undefined ? notRouted : `(${sqlFilterOf(filter, field)}) AND ${notRouted}`;
}

/**
 * The SQL of a subscription's redelivery rule.
 *
 * @example
 * ```ts
 * redeliverRuleSql('audit'); // "user.[omnibus_to] = 'audit'"
 * ```
 */
export function redeliverRuleSql(subscription: string): string {
  return `${sqlProperty(ROUTING_PROPERTY)} = ${sqlString(subscription)}`;
}

/**
 * The two rules of a subscription; throws when the filter's SQL is over Service Bus's 1,024 characters.
 *
 * @example
 * ```ts
 * rulesOf(subscriptionSpec).map((r) => r.name); // ['omnibus', 'omnibus-redeliver']
 * ```
 */
export function rulesOf(spec: SubscriptionSpec): SqlRule[] {
  const where = `subscription "${spec.topic}/${spec.name}"`;
  const fanOut = fanOutRuleSql(spec.filter, `${where}.filter`);
  if (fanOut.length > MAX_SQL_FILTER_LENGTH) {
    throw new CapabilityError(
      'azure',
      `the filter of ${where}`,
      `it translates to ${fanOut.length} characters of SQL, over Service Bus's ${MAX_SQL_FILTER_LENGTH}`,
    );
  }
  if (FILTER_RULE_NAME.length > MAX_RULE_NAME_LENGTH || REDELIVER_RULE_NAME.length > MAX_RULE_NAME_LENGTH) {
    throw new ValidationError('rule name', [{ message: `longer than ${MAX_RULE_NAME_LENGTH} characters` }]);
  }
  return [
    { name: FILTER_RULE_NAME, filter: { sqlExpression: fanOut } },
    { name: REDELIVER_RULE_NAME, filter: { sqlExpression: redeliverRuleSql(spec.name) } },
  ];
}

function deadLetterForward(
  source: SourceSpec,
  sourcePath: string,
  queues: ReadonlyMap<string, QueueSpec>,
): string | undefined {
  const dlq = source.deadLetterQueue;
  if (dlq === undefined) return undefined;
  const spec = queues.get(dlq);
  if (spec && spec.deadLetterOf === sourcePath) return undefined; // the native sub-queue
  return dlq;
}

function maxDeliveriesOf(spec: SourceSpec): number {
  return spec.maxDeliveries ?? MAX_DELIVERY_COUNT;
}

/**
 * Plans the entities of a topology.
 *
 * @example
 * ```ts
 * planEntities(topology).subscriptions[0]?.rules; // the two SQL rules
 * ```
 */
export function planEntities(topology: Topology, options: PlanOptions = {}): EntityPlan {
  const queueSpecs = new Map(topology.queues.map((q) => [q.name, q] as const));
  const kb = options.maxMessageSizeInKilobytes;
  const queues = topology.queues
    .filter((q) => !isNativeDeadLetterQueue(q))
    .map((q) => {
      const forward = deadLetterForward(q, q.name, queueSpecs);
      const o: QueueEntityOptions = {
        lockDuration: isoDuration(lockSecondsOf(q.leaseSeconds, `queue "${q.name}"`)),
        maxDeliveryCount: maxDeliveriesOf(q),
        requiresSession: q.ordered,
        requiresDuplicateDetection: q.dedupWindowSeconds !== undefined,
        defaultMessageTimeToLive: isoDuration(q.retentionSeconds),
        deadLetteringOnMessageExpiration: false,
      };
      if (q.dedupWindowSeconds !== undefined) {
        o.duplicateDetectionHistoryTimeWindow = isoDuration(q.dedupWindowSeconds);
      }
      if (forward !== undefined) o.forwardDeadLetteredMessagesTo = forward;
      if (kb !== undefined) o.maxMessageSizeInKilobytes = kb;
      return { name: q.name, options: o };
    });
  // Forwarding targets must exist before the entities that forward to them.
  const targets = new Set(queues.flatMap((q) => q.options.forwardDeadLetteredMessagesTo ?? []));
  for (const s of topology.subscriptions) {
    const f = deadLetterForward(s, `${s.topic}/${s.name}`, queueSpecs);
    if (f !== undefined) targets.add(f);
  }
  queues.sort((a, b) => Number(targets.has(b.name)) - Number(targets.has(a.name)));
  const topics = topology.topics.map((t) => {
    const o: TopicEntityOptions = {
      requiresDuplicateDetection: t.dedupWindowSeconds !== undefined,
      supportOrdering: t.ordered,
    };
    if (t.dedupWindowSeconds !== undefined) {
      o.duplicateDetectionHistoryTimeWindow = isoDuration(t.dedupWindowSeconds);
    }
    if (kb !== undefined) o.maxMessageSizeInKilobytes = kb;
    return { name: t.name, options: o };
  });
  const subscriptions = topology.subscriptions.map((s) => {
    const where = `subscription "${s.topic}/${s.name}"`;
    const forward = deadLetterForward(s, `${s.topic}/${s.name}`, queueSpecs);
    const o: SubscriptionEntityOptions = {
      lockDuration: isoDuration(lockSecondsOf(s.leaseSeconds, where)),
      maxDeliveryCount: maxDeliveriesOf(s),
      requiresSession: s.ordered,
      defaultMessageTimeToLive: isoDuration(s.retentionSeconds),
      deadLetteringOnMessageExpiration: false,
    };
    if (forward !== undefined) o.forwardDeadLetteredMessagesTo = forward;
    return { topic: s.topic, name: s.name, options: o, rules: rulesOf(s) };
  });
  return { queues, topics, subscriptions };
}
