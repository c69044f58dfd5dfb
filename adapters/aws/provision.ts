/**
 * `provision()` on AWS, idempotent: SNS topics (FIFO when ordered or deduplicated), SQS queues and dead-letter queues
 * (same type as their source, as SQS requires), redrive policies with `maxReceiveCount` = the spec's max deliveries
 * (the safety net under the bus's own dead-lettering), and per subscription an SQS queue `<topic>-<subscription>`
 * subscribed with raw message delivery, the translated filter policy, and a queue policy that lets the topic send
 * to it. Existing entities get their mutable settings updated; every filter is translated before anything is
 * created, so an inexpressible filter changes nothing.
 *
 * @example
 * ```ts
 * await provisionTopology(context, topologyOf([billing, orderPlaced], AWS_CAPABILITIES));
 * ```
 * @module
 */
import type { QueueSpec, SourceSpec, SubscriptionSpec, TopicSpec, Topology } from '../../core/driver.js';
import { ConfigurationError, NotFoundError } from '../../core/errors.js';
import type { AwsClients } from './clients.js';
import { toOmnibusError } from './errors.js';
import { filterPolicyJson } from './filter-policy.js';
import { describeEntity, isFifoTarget, queueName, subscriptionQueueName, topicName } from './names.js';
import type { ResolvedQueue, ResolvedTopic, Resolver } from './resolver.js';

/**
 * What provisioning needs from the driver.
 *
 * @example
 * ```ts
 * const context: ProvisionContext = { clients, resolver, prefix: '' };
 * ```
 */
export interface ProvisionContext {
  readonly clients: AwsClients;
  readonly resolver: Resolver;
  readonly prefix: string;
}

/** A queue to create: a declared queue or a subscription's queue. */
interface QueuePlan {
  readonly spec: QueueSpec | SubscriptionSpec;
  fifo: boolean;
  readonly name: () => string;
  readonly entity: () => string;
}

/** Runs `fn` over `items`, at most `limit` at a time. */
async function eachLimited<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

const PARALLEL = 4;

function pathOfSpec(spec: QueueSpec | SubscriptionSpec): string {
  return spec.kind === 'subscription' ? `${spec.topic}/${spec.name}` : spec.name;
}

/** Decides FIFO-ness of every queue, making dead-letter queues the type of their source (SQS requires it). */
function planQueues(topology: Topology, prefix: string): Map<string, QueuePlan> {
  const topics = new Map(topology.topics.map((t) => [t.name, t]));
  const plans = new Map<string, QueuePlan>();
  for (const q of topology.queues) {
    const plan: QueuePlan = {
      spec: q,
      fifo: isFifoTarget(q),
      name: () => queueName(q.name, plan.fifo, prefix),
      entity: () => describeEntity(q, plan.name()),
    };
    plans.set(`queue:${q.name}`, plan);
  }
  for (const s of topology.subscriptions) {
    const topic = topics.get(s.topic);
    const plan: QueuePlan = {
      spec: s,
      fifo: topic ? isFifoTarget(topic) : s.ordered,
      name: () => subscriptionQueueName(s.topic, s.name, plan.fifo, prefix),
      entity: () => describeEntity(s, plan.name()),
    };
    plans.set(`subscription:${s.topic}/${s.name}`, plan);
  }
  const dlqSources = new Map<string, QueuePlan[]>();
  for (const plan of plans.values()) {
    const dlq = plan.spec.deadLetterQueue;
    if (dlq === undefined) continue;
    if (!plans.has(`queue:${dlq}`)) {
      throw new ConfigurationError(
        `${plan.spec.kind} "${pathOfSpec(plan.spec)}".deadLetter`,
        `the dead-letter queue "${dlq}" is not in the topology`,
      );
    }
    dlqSources.set(dlq, [...(dlqSources.get(dlq) ?? []), plan]);
  }
  for (const [dlq, sources] of dlqSources) {
    const target = plans.get(`queue:${dlq}`) as QueuePlan;
    const fifo = sources.some((s) => s.fifo);
    if (sources.some((s) => s.fifo !== fifo)) {
      throw new ConfigurationError(
        `queue "${dlq}"`,
        `is the dead-letter queue of both FIFO and standard sources (${sources.map((s) => pathOfSpec(s.spec)).join(', ')}); SQS needs a dead-letter queue of the same type as its source`,
      );
    }
    if (target.fifo === fifo) continue;
    const auto = (target.spec as QueueSpec).deadLetterOf !== undefined;
    if (auto && fifo && !target.fifo) {
      target.fifo = true; // the automatic dead-letter queue of a deduplicated, unordered source
      continue;
    }
    throw new ConfigurationError(
      `queue "${dlq}"`,
      fifo
        ? `is the dead-letter queue of a FIFO source (${sources.map((s) => pathOfSpec(s.spec)).join(', ')}: ordered or deduplicated) and must be FIFO too on SQS: declare it with ordering or deduplication`
        : `is FIFO (ordered or deduplicated) but dead-letters standard sources (${sources.map((s) => pathOfSpec(s.spec)).join(', ')}); SQS needs the same type`,
    );
  }
  return plans;
}

function queuePolicy(queueArn: string, topicArn: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'omnibus-allow-sns-topic',
        Effect: 'Allow',
        Principal: { Service: 'sns.amazonaws.com' },
        Action: 'sqs:SendMessage',
        Resource: queueArn,
        Condition: { ArnEquals: { 'aws:SourceArn': topicArn } },
      },
    ],
  });
}

function sameJson(a: string | undefined, b: string): boolean {
  if (a === undefined || a === '') return b === '';
  try {
    return JSON.stringify(JSON.parse(a)) === JSON.stringify(JSON.parse(b));
  } catch {
    return false;
  }
}

/**
 * Creates or updates everything in the topology; see the module notes.
 *
 * @example
 * ```ts
 * await provisionTopology({ clients, resolver, prefix: '' }, topology);
 * ```
 */
export async function provisionTopology(context: ProvisionContext, topology: Topology): Promise<void> {
  const { clients, resolver, prefix } = context;
  // 1. Everything that can be refused is decided before anything is created.
  const plans = planQueues(topology, prefix);
  const policies = new Map<string, string>();
  for (const s of topology.subscriptions) {
    policies.set(
      `${s.topic}/${s.name}`,
      s.filter ? filterPolicyJson(s.filter, { where: `subscription "${s.topic}/${s.name}"` }) : '',
    );
  }
  const [sqs, sqsSdk, sns, snsSdk] = await Promise.all([
    clients.sqs(),
    clients.sqsSdk(),
    topology.topics.length > 0 ? clients.sns() : undefined,
    topology.topics.length > 0 ? clients.snsSdk() : undefined,
  ]);

  // 2. Topics.
  const topics = new Map<string, ResolvedTopic>();
  await eachLimited(topology.topics, PARALLEL, async (t: TopicSpec) => {
    if (!sns || !snsSdk) return;
    const fifo = isFifoTarget(t);
    const name = topicName(t.name, fifo, prefix);
    const entity = describeEntity(t, name);
    try {
      const out = await sns.send(
        new snsSdk.CreateTopicCommand({
          Name: name,
          ...(fifo ? { Attributes: { FifoTopic: 'true', ContentBasedDeduplication: 'false' } } : {}),
        }),
      );
      if (!out.TopicArn) throw new NotFoundError(entity);
      const topic: ResolvedTopic = { arn: out.TopicArn, name, fifo, entity };
      topics.set(t.name, topic);
      resolver.rememberTopic(t, topic);
    } catch (error) {
      throw toOmnibusError(error, 'CreateTopic', entity);
    }
  });

  // 3. Queues (dead-letter queues included), then their ARNs.
  const created = new Map<QueuePlan, ResolvedQueue & { arn: string }>();
  await eachLimited([...plans.values()], PARALLEL, async (plan) => {
    const name = plan.name();
    const entity = plan.entity();
    let url: string;
    try {
      url = await resolver.urlOf(name, entity, false);
    } catch (error) {
      if (!NotFoundError.isInstance(error)) throw error;
      try {
        const out = await sqs.send(
          new sqsSdk.CreateQueueCommand({
            QueueName: name,
            ...(plan.fifo ? { Attributes: { FifoQueue: 'true' } } : {}),
          }),
        );
        url = out.QueueUrl ?? (await resolver.urlOf(name, entity, false));
      } catch (createError) {
        throw toOmnibusError(createError, 'CreateQueue', entity);
      }
    }
    let arn: string | undefined;
    try {
      const out = await sqs.send(
        new sqsSdk.GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }),
      );
      arn = out.Attributes?.QueueArn;
    } catch (error) {
      throw toOmnibusError(error, 'GetQueueAttributes', entity);
    }
    if (!arn) throw new NotFoundError(entity);
    const queue = { url, name, fifo: plan.fifo, entity, arn };
    created.set(plan, queue);
    resolver.rememberQueue(plan.spec as SourceSpec, queue);
  });

  // 4. Queue settings: lease, retention, delay, redrive policy, and the topic's permission for subscriptions.
  const byName = new Map([...plans.values()].map((p) => [p.spec.kind === 'queue' ? p.spec.name : '', p]));
  await eachLimited([...plans.values()], PARALLEL, async (plan) => {
    const queue = created.get(plan) as ResolvedQueue & { arn: string };
    const spec = plan.spec;
    const attributes: Record<string, string> = {
      VisibilityTimeout: String(Math.ceil(spec.leaseSeconds)),
      MessageRetentionPeriod: String(Math.ceil(spec.retentionSeconds)),
      DelaySeconds: String(spec.kind === 'queue' ? Math.ceil(spec.delaySeconds) : 0),
    };
    if (spec.deadLetterQueue !== undefined && spec.maxDeliveries !== undefined) {
      const dlq = created.get(byName.get(spec.deadLetterQueue) as QueuePlan);
      if (dlq) {
        attributes.RedrivePolicy = JSON.stringify({
          deadLetterTargetArn: dlq.arn,
          maxReceiveCount: spec.maxDeliveries,
        });
      }
    }
    if (spec.kind === 'subscription') {
      const topic = topics.get(spec.topic);
      if (topic) attributes.Policy = queuePolicy(queue.arn, topic.arn);
    }
    try {
      await sqs.send(new sqsSdk.SetQueueAttributesCommand({ QueueUrl: queue.url, Attributes: attributes }));
    } catch (error) {
      throw toOmnibusError(error, 'SetQueueAttributes', queue.entity);
    }
  });

  // 5. Subscriptions: raw delivery and the filter policy, created or brought up to date.
  if (!sns || !snsSdk) return;
  const existing = new Map<string, Map<string, string>>();
  for (const topic of topics.values()) {
    const endpoints = new Map<string, string>();
    let token: string | undefined;
    try {
      do {
        const page = await sns.send(
          new snsSdk.ListSubscriptionsByTopicCommand({
            TopicArn: topic.arn,
            ...(token === undefined ? {} : { NextToken: token }),
          }),
        );
        for (const s of page.Subscriptions ?? []) {
          if (
            s.Protocol === 'sqs' &&
            s.Endpoint &&
            s.SubscriptionArn &&
            s.SubscriptionArn !== 'PendingConfirmation'
          ) {
            endpoints.set(s.Endpoint, s.SubscriptionArn);
          }
        }
        token = page.NextToken;
      } while (token);
    } catch (error) {
      throw toOmnibusError(error, 'ListSubscriptionsByTopic', topic.entity);
    }
    existing.set(topic.arn, endpoints);
  }
  await eachLimited(topology.subscriptions, PARALLEL, async (s) => {
    const topic = topics.get(s.topic);
    const plan = plans.get(`subscription:${s.topic}/${s.name}`) as QueuePlan;
    const queue = created.get(plan) as ResolvedQueue & { arn: string };
    if (!topic)
      throw new ConfigurationError(`subscription "${s.topic}/${s.name}"`, 'its topic is not in the topology');
    const policy = policies.get(`${s.topic}/${s.name}`) ?? '';
    const entity = describeEntity(s);
    const subscriptionArn = existing.get(topic.arn)?.get(queue.arn);
    try {
      if (subscriptionArn === undefined) {
        await sns.send(
          new snsSdk.SubscribeCommand({
            TopicArn: topic.arn,
            Protocol: 'sqs',
            Endpoint: queue.arn,
            ReturnSubscriptionArn: true,
            Attributes: {
              RawMessageDelivery: 'true',
              ...(policy ? { FilterPolicyScope: 'MessageAttributes', FilterPolicy: policy } : {}),
            },
          }),
        );
        return;
      }
      const current = await sns.send(
        new snsSdk.GetSubscriptionAttributesCommand({ SubscriptionArn: subscriptionArn }),
      );
      const attrs = current.Attributes ?? {};
      const set = async (AttributeName: string, AttributeValue: string) => {
        await sns.send(
          new snsSdk.SetSubscriptionAttributesCommand({
            SubscriptionArn: subscriptionArn,
            AttributeName,
            AttributeValue,
          }),
        );
      };
      if (attrs.RawMessageDelivery !== 'true') await set('RawMessageDelivery', 'true');
      if (
        policy &&
        attrs.FilterPolicyScope !== undefined &&
        attrs.FilterPolicyScope !== 'MessageAttributes'
      ) {
        await set('FilterPolicyScope', 'MessageAttributes');
      }
      if (!sameJson(attrs.FilterPolicy, policy)) await set('FilterPolicy', policy);
    } catch (error) {
      throw toOmnibusError(error, 'Subscribe', entity);
    }
  });
}
