/**
 * Provisioning: creates the topics and subscriptions a topology needs, idempotently.
 *
 * - Every queue gets a topic and one subscription of the same name; every topic a topic; every subscription
 *   `<topic>-<name>` on its topic. A dead-letter queue is a topic WITH a subscription (Pub/Sub drops messages
 *   published to a topic that has none), created even if the topology forgot it.
 * - Subscriptions get: ack deadline = the lease (clamped to 10–600 s), retention (clamped to 10 min–7 days),
 *   message ordering when ordered, the translated filter, a dead-letter policy (dead-letter topic + max delivery
 *   attempts, clamped to 5–100) when the spec has a native max-deliveries safety net, and no expiry (Pub/Sub
 *   would otherwise delete a subscription idle for 31 days, and later messages would be dropped).
 * - An existing subscription is checked: on another topic (e.g. a queue named like `<topic>-<subscription>`), with
 *   another filter or ordering (both immutable in Pub/Sub) → {@link ConfigurationError}; a different ack deadline,
 *   retention or dead-letter policy is updated in place.
 * - Real Pub/Sub needs IAM for dead-lettering (the Pub/Sub service agent publishes to the dead-letter topic and
 *   subscribes to the source); provisioning does not grant it.
 *
 * @example
 * ```ts
 * await provisionTopology(await clients.get(), topology, logger);
 * ```
 * @module
 */
import type { protos } from '@google-cloud/pubsub';
import type { SubscriptionSpec, Topology } from '../../core/driver.js';
import { ConfigurationError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { ClientSet } from './clients.js';
import { clampLease } from './deadlines.js';
import { GrpcCode, grpcCode, toOmnibusError } from './errors.js';
import { toFilterExpression } from './filter-expression.js';
import {
  MAX_MAX_DELIVERY_ATTEMPTS,
  MAX_RETENTION_SECONDS,
  MIN_MAX_DELIVERY_ATTEMPTS,
  MIN_RETENTION_SECONDS,
} from './limits.js';
import { assertResourceId, resourceId, subscriptionIdOf, subscriptionPath, topicPath } from './names.js';

type SubscriptionResource = protos.google.pubsub.v1.ISubscription;

/** Default retention of a dead-letter queue created because the topology did not declare it. */
const DEAD_LETTER_RETENTION_SECONDS = MAX_RETENTION_SECONDS;

/** What one subscription must look like. */
export interface SubscriptionPlan {
  readonly id: string;
  readonly topicId: string;
  readonly ackDeadlineSeconds: number;
  readonly retentionSeconds: number;
  readonly ordered: boolean;
  readonly filter: string;
  readonly deadLetter: { readonly topicId: string; readonly maxDeliveryAttempts: number } | undefined;
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, Math.round(value)));
}

/**
 * The topics and subscriptions a topology needs on Pub/Sub (pure: no calls).
 *
 * @example
 * ```ts
 * planTopology(topology).subscriptions.map((s) => s.id); // ['billing', 'billing-dlq', 'order-placed-email']
 * ```
 */
export function planTopology(topology: Topology): {
  topics: string[];
  subscriptions: SubscriptionPlan[];
} {
  const topics = new Set<string>();
  const subscriptions = new Map<string, SubscriptionPlan>();
  const add = (plan: SubscriptionPlan) => {
    if (!subscriptions.has(plan.id)) subscriptions.set(plan.id, plan);
  };
  const deadLetterOf = (spec: {
    maxDeliveries: number | undefined;
    deadLetterQueue: string | undefined;
  }): SubscriptionPlan['deadLetter'] =>
    spec.maxDeliveries !== undefined && spec.deadLetterQueue !== undefined
      ? {
          topicId: assertResourceId(spec.deadLetterQueue, `queue "${spec.deadLetterQueue}"`),
          maxDeliveryAttempts: clamp(
            spec.maxDeliveries,
            MIN_MAX_DELIVERY_ATTEMPTS,
            MAX_MAX_DELIVERY_ATTEMPTS,
          ),
        }
      : undefined;
  for (const t of topology.topics) topics.add(assertResourceId(t.name, `topic "${t.name}"`));
  for (const q of topology.queues) {
    const id = subscriptionIdOf(q);
    topics.add(id);
    add({
      id,
      topicId: id,
      ackDeadlineSeconds: clampLease(q.leaseSeconds),
      retentionSeconds: clamp(q.retentionSeconds, MIN_RETENTION_SECONDS, MAX_RETENTION_SECONDS),
      ordered: q.ordered,
      filter: '',
      deadLetter: deadLetterOf(q),
    });
  }
  for (const s of topology.subscriptions) {
    topics.add(assertResourceId(s.topic, `topic "${s.topic}"`));
    add(subscriptionPlan(s, deadLetterOf(s)));
  }
  // A dead-letter topic without a subscription would drop every dead letter: make sure each has one.
  for (const plan of [...subscriptions.values()]) {
    const dl = plan.deadLetter;
    if (!dl || subscriptions.has(dl.topicId)) continue;
    topics.add(dl.topicId);
    add({
      id: dl.topicId,
      topicId: dl.topicId,
      ackDeadlineSeconds: plan.ackDeadlineSeconds,
      retentionSeconds: DEAD_LETTER_RETENTION_SECONDS,
      ordered: plan.ordered,
      filter: '',
      deadLetter: undefined,
    });
  }
  return { topics: [...topics], subscriptions: [...subscriptions.values()] };
}

function subscriptionPlan(s: SubscriptionSpec, deadLetter: SubscriptionPlan['deadLetter']): SubscriptionPlan {
  return {
    id: subscriptionIdOf(s),
    topicId: s.topic,
    ackDeadlineSeconds: clampLease(s.leaseSeconds),
    retentionSeconds: clamp(s.retentionSeconds, MIN_RETENTION_SECONDS, MAX_RETENTION_SECONDS),
    ordered: s.ordered,
    filter: s.filter ? (toFilterExpression(s.filter).expression ?? '') : '',
    deadLetter,
  };
}

/**
 * Creates (or checks and updates) everything in the topology; harmless to call twice or concurrently.
 *
 * @example
 * ```ts
 * await provisionTopology(clients, topologyOf([billing], GCP_CAPABILITIES), silentLogger);
 * ```
 */
export async function provisionTopology(
  clients: ClientSet,
  topology: Topology,
  logger: Logger,
): Promise<void> {
  const { topics, subscriptions } = planTopology(topology);
  const { projectId } = clients;
  await Promise.all(
    topics.map(async (id) => {
      try {
        await clients.publisher.createTopic({ name: topicPath(projectId, id) });
        logger.info('created topic', { topic: id });
      } catch (error) {
        if (grpcCode(error) !== GrpcCode.ALREADY_EXISTS)
          throw toOmnibusError(error, 'createTopic', `topic "${id}"`);
      }
    }),
  );
  await Promise.all(subscriptions.map((plan) => ensureSubscription(clients, plan, logger)));
}

function resourceOf(projectId: string, plan: SubscriptionPlan): SubscriptionResource {
  return {
    name: subscriptionPath(projectId, plan.id),
    topic: topicPath(projectId, plan.topicId),
    ackDeadlineSeconds: plan.ackDeadlineSeconds,
    messageRetentionDuration: { seconds: plan.retentionSeconds },
    enableMessageOrdering: plan.ordered,
    filter: plan.filter,
    expirationPolicy: {},
    deadLetterPolicy: plan.deadLetter
      ? {
          deadLetterTopic: topicPath(projectId, plan.deadLetter.topicId),
          maxDeliveryAttempts: plan.deadLetter.maxDeliveryAttempts,
        }
      : null,
  };
}

async function ensureSubscription(clients: ClientSet, plan: SubscriptionPlan, logger: Logger): Promise<void> {
  const desired = resourceOf(clients.projectId, plan);
  const entity = `subscription "${plan.id}"`;
  try {
    await clients.subscriber.createSubscription(desired);
    logger.info('created subscription', { subscription: plan.id, topic: plan.topicId });
    return;
  } catch (error) {
    if (grpcCode(error) !== GrpcCode.ALREADY_EXISTS)
      throw toOmnibusError(error, 'createSubscription', entity);
  }
  let existing: SubscriptionResource;
  try {
    [existing] = await clients.subscriber.getSubscription({ subscription: desired.name as string });
  } catch (error) {
    throw toOmnibusError(error, 'getSubscription', entity);
  }
  const problems: string[] = [];
  if (existing.topic !== desired.topic) {
    problems.push(
      `it is attached to topic "${resourceId(existing.topic ?? '')}", not "${plan.topicId}" (Pub/Sub subscription ids are project-wide: is a queue named like "<topic>-<subscription>"?)`,
    );
  }
  if ((existing.filter ?? '') !== plan.filter) {
    problems.push(
      `its filter is ${JSON.stringify(existing.filter ?? '')}, declared ${JSON.stringify(plan.filter)} (filters cannot change: delete the subscription to recreate it)`,
    );
  }
  if (Boolean(existing.enableMessageOrdering) !== plan.ordered) {
    problems.push(
      `message ordering is ${existing.enableMessageOrdering ? 'on' : 'off'}, declared ${plan.ordered ? 'on' : 'off'} (cannot change: delete the subscription to recreate it)`,
    );
  }
  if (problems.length > 0) {
    throw new ConfigurationError(
      `subscription "${plan.id}"`,
      `already exists and differs: ${problems.join('; ')}`,
    );
  }
  const paths: string[] = [];
  if (Number(existing.ackDeadlineSeconds ?? 0) !== plan.ackDeadlineSeconds)
    paths.push('ack_deadline_seconds');
  if (Number(existing.messageRetentionDuration?.seconds ?? 0) !== plan.retentionSeconds)
    paths.push('message_retention_duration');
  const dl = existing.deadLetterPolicy;
  const hasDl = Boolean(dl?.deadLetterTopic);
  if (
    hasDl !== (plan.deadLetter !== undefined) ||
    (plan.deadLetter &&
      (dl?.deadLetterTopic !== desired.deadLetterPolicy?.deadLetterTopic ||
        Number(dl?.maxDeliveryAttempts ?? 0) !== plan.deadLetter.maxDeliveryAttempts))
  ) {
    paths.push('dead_letter_policy');
  }
  if (paths.length === 0) return;
  try {
    await clients.subscriber.updateSubscription({ subscription: desired, updateMask: { paths } });
    logger.info('updated subscription', { subscription: plan.id, fields: paths });
  } catch (error) {
    throw toOmnibusError(error, 'updateSubscription', entity);
  }
}
