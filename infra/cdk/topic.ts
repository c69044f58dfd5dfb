/**
 * `OmnibusTopic`: the SNS topic of a declared topic (FIFO when ordered or deduplicated, encrypted, publishers held
 * to TLS) and, per declared subscription, its SQS queue `<topic>-<subscription>` (an {@link OmnibusQueue} with its
 * own dead-letter queue) subscribed with raw message delivery and the subscription's filter translated to an SNS
 * filter policy by the AWS adapter's own `filterPolicyOf`. Messages SNS cannot deliver to a subscription's queue go
 * to the topic's undeliverable-message queue `<topic>-undeliverable` instead of being lost.
 *
 * @example
 * ```ts
 * const placed = new OmnibusTopic(stack, 'OrderPlaced', { declaration: decls.orderPlaced });
 * placed.subscription('email').queue.queue; // the SQS queue of order-placed/email
 * ```
 * @module
 */
import { Duration, type RemovalPolicy, Validations } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { FilterPolicyError, filterPolicyOf, type SnsFilterPolicy } from '../../adapters/aws/filter-policy.js';
import { queueName } from '../../adapters/aws/names.js';
import {
  DEFAULTS,
  pathOf,
  type SubscriptionDeclaration,
  type TopicDeclaration,
} from '../../core/declarations.js';
import type { Capabilities } from '../../core/driver.js';
import { ConfigurationError } from '../../core/errors.js';
import { type DeadLetterAlarmOptions, depthAlarm } from './alarm.js';
import { entityTypeFindings, fifoSubscriptionFindings, formatFinding, type LintFinding } from './lint.js';
import { type TopicMapping, topicOf } from './physical.js';
import { OmnibusQueue, type OmnibusQueueProps } from './queue.js';

/** Per-subscription queue options (adoption, a shared dead-letter queue, …). */
export type SubscriptionQueueOptions = Omit<OmnibusQueueProps, 'declaration' | 'namePrefix' | 'capabilities'>;

/** Properties of {@link OmnibusTopic}. */
export interface OmnibusTopicProps {
  /** The topic declaration; its subscriptions are deployed with it. */
  readonly declaration: TopicDeclaration<any, any>;
  /** Prefix of every physical name, as the AWS adapter's `namePrefix`. Default none. */
  readonly namePrefix?: string;
  /** Capabilities for the decisions. Default: the AWS adapter's (`AWS_CAPABILITIES`). */
  readonly capabilities?: Capabilities;
  /** Adopt an existing topic instead of creating one (subscriptions are still created on it). Default: created. */
  readonly existingTopic?: sns.ITopic;
  /** Encryption key of the topic, or `false` for none. Default: the AWS-managed key `alias/aws/sns`. */
  readonly masterKey?: kms.IKey | false;
  /** Which declared subscriptions to deploy. Default: all of `declaration.subscriptions`. */
  readonly subscriptions?: readonly SubscriptionDeclaration<any, any>[];
  /** Options of each subscription's queue, by subscription name. Default: none (created queues). */
  readonly subscriptionQueues?: Readonly<Record<string, SubscriptionQueueOptions>>;
  /**
   * Where SNS puts messages it cannot deliver to a subscription's queue: `true` creates `<topic>-undeliverable`,
   * an existing queue is adopted, `false` has none (SNS then drops them after its retries). Default `true`.
   */
  readonly undeliverableQueue?: boolean | sqs.IQueue;
  /** Depth alarms on the subscriptions' dead-letter queues and the undeliverable queue; `false` for none. Default on. */
  readonly deadLetterAlarm?: boolean | DeadLetterAlarmOptions;
  /** Removal policy of created resources. Default: CDK's. */
  readonly removalPolicy?: RemovalPolicy;
}

/** One deployed subscription. */
export interface OmnibusSubscription {
  readonly declaration: SubscriptionDeclaration<any, any>;
  /** Its SQS queue (and dead-letter queue). */
  readonly queue: OmnibusQueue;
  /** The SNS subscription, undefined when the lint refused it (the synth then fails). */
  readonly subscription: sns.Subscription | undefined;
  /** The filter policy set on it, when the subscription has a filter. */
  readonly filterPolicy: SnsFilterPolicy | undefined;
}

/** Retention of the undeliverable-message queue: SQS's longest, 14 days. */
const UNDELIVERABLE_RETENTION_SECONDS = DEFAULTS.deadLetterRetentionSeconds;

/**
 * The SNS topic of one declared topic, with its subscriptions' queues.
 *
 * @example
 * ```ts
 * const topic = new OmnibusTopic(stack, 'Orders', { declaration: orders, masterKey: myKey });
 * topic.topic.topicArn;
 * ```
 */
export class OmnibusTopic extends Construct {
  readonly declaration: TopicDeclaration<any, any>;
  /** The driver spec and physical name the runtime uses. */
  readonly mapping: TopicMapping;
  /** The SNS topic (created or adopted). */
  readonly topic: sns.ITopic;
  /** True when {@link OmnibusTopicProps.existingTopic} was given. */
  readonly adopted: boolean;
  /** The deployed subscriptions, by subscription name. */
  readonly subscriptions: ReadonlyMap<string, OmnibusSubscription>;
  /** The queue of messages SNS could not deliver, unless turned off. */
  readonly undeliverableQueue: sqs.IQueue | undefined;
  /** The depth alarm of the undeliverable queue, when this construct created both. */
  readonly undeliverableAlarm: cloudwatch.Alarm | undefined;
  /** Prefix of physical names. */
  readonly namePrefix: string;

  constructor(scope: Construct, id: string, props: OmnibusTopicProps) {
    super(scope, id);
    const decl = props.declaration;
    const options = { namePrefix: props.namePrefix, capabilities: props.capabilities };
    this.declaration = decl;
    this.namePrefix = props.namePrefix ?? '';
    const mapping = topicOf(decl, options);
    this.mapping = mapping;
    const subject = `topic "${decl.name}" (SNS ${mapping.physicalName})`;
    const findings: LintFinding[] = [];

    this.adopted = props.existingTopic !== undefined;
    if (props.existingTopic) {
      this.topic = props.existingTopic;
      findings.push(...entityTypeFindings(subject, 'topic', mapping.fifo, props.existingTopic.fifo));
    } else {
      const masterKey =
        props.masterKey === false
          ? undefined
          : (props.masterKey ?? kms.Alias.fromAliasName(this, 'SnsManagedKey', 'alias/aws/sns'));
      this.topic = new sns.Topic(this, 'Topic', {
        topicName: mapping.physicalName,
        ...(mapping.fifo ? { fifo: true, contentBasedDeduplication: false } : {}),
        ...(masterKey ? { masterKey } : {}),
        enforceSSL: true,
      });
      if (props.removalPolicy !== undefined)
        (this.topic as sns.Topic).applyRemovalPolicy(props.removalPolicy);
    }

    // Undeliverable messages: one queue per topic, of the topic's type.
    let undeliverable: sqs.IQueue | undefined;
    let undeliverableAlarm: cloudwatch.Alarm | undefined;
    if (props.undeliverableQueue === undefined || props.undeliverableQueue === true) {
      const name = queueName(`${decl.name}-undeliverable`, mapping.fifo, this.namePrefix);
      undeliverable = new sqs.Queue(this, 'Undeliverable', {
        queueName: name,
        ...(mapping.fifo ? { fifo: true } : {}),
        retentionPeriod: Duration.seconds(UNDELIVERABLE_RETENTION_SECONDS),
        encryption: sqs.QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        ...(props.removalPolicy !== undefined ? { removalPolicy: props.removalPolicy } : {}),
      });
      Validations.of(undeliverable).acknowledge({
        id: 'AwsSolutions::AwsSolutions-SQS3',
        reason:
          "This queue is itself a dead-letter queue: the redrive target of the topic's SNS subscriptions " +
          '(subscription RedrivePolicy), which the rule does not recognize as DLQ usage.',
      });
      if (props.deadLetterAlarm !== false) {
        undeliverableAlarm = depthAlarm(
          this,
          'UndeliverableAlarm',
          undeliverable,
          `Messages SNS could not deliver to the subscriptions of ${subject}`,
          props.deadLetterAlarm,
        );
      }
    } else if (props.undeliverableQueue !== false) {
      undeliverable = props.undeliverableQueue;
    }
    this.undeliverableQueue = undeliverable;
    this.undeliverableAlarm = undeliverableAlarm;
    if (undeliverable) {
      findings.push(
        ...fifoSubscriptionFindings(subject, mapping.fifo, `its undeliverable queue`, undeliverable.fifo),
      );
    }

    const wanted = props.subscriptions ?? decl.subscriptions;
    const deployed = new Map<string, OmnibusSubscription>();
    for (const sub of wanted) {
      if (sub.topic !== decl) {
        throw new ConfigurationError(
          `subscription "${pathOf(sub)}"`,
          `belongs to topic "${sub.topic.name}", not to "${decl.name}"`,
        );
      }
      const queueOptions = props.subscriptionQueues?.[sub.name] ?? {};
      const queue = new OmnibusQueue(this, `Subscription-${sub.name}`, {
        ...(props.deadLetterAlarm !== undefined ? { deadLetterAlarm: props.deadLetterAlarm } : {}),
        ...(props.removalPolicy !== undefined ? { removalPolicy: props.removalPolicy } : {}),
        ...queueOptions,
        declaration: sub,
        ...(props.namePrefix !== undefined ? { namePrefix: props.namePrefix } : {}),
        ...(props.capabilities ? { capabilities: props.capabilities } : {}),
      });
      const subFindings = fifoSubscriptionFindings(
        subject,
        mapping.fifo,
        queue.description,
        queue.queue.fifo,
      );
      findings.push(...subFindings);
      let filterPolicy: SnsFilterPolicy | undefined;
      let filterOk = true;
      if (sub.filter) {
        try {
          filterPolicy = filterPolicyOf(sub.filter, { where: `subscription "${pathOf(sub)}"` });
        } catch (error) {
          if (!FilterPolicyError.isInstance(error)) throw error;
          filterOk = false;
          findings.push({
            rule: 'filter-policy',
            subject: `subscription "${pathOf(sub)}"`,
            message: error.message,
          });
        }
      }
      let subscription: sns.Subscription | undefined;
      if (subFindings.length === 0 && filterOk) {
        // Also writes the queue policy that lets this topic (and only it) send to the queue.
        subscription = this.topic.addSubscription(
          new subscriptions.SqsSubscription(queue.queue, {
            rawMessageDelivery: true,
            ...(filterPolicy ? { filterPolicy: toCdkFilterPolicy(filterPolicy) } : {}),
            ...(undeliverable ? { deadLetterQueue: undeliverable } : {}),
          }),
        );
      }
      deployed.set(sub.name, { declaration: sub, queue, subscription, filterPolicy });
    }
    this.subscriptions = deployed;
    this.node.addValidation({ validate: () => findings.map(formatFinding) });
  }

  /**
   * A deployed subscription by name; throws {@link ConfigurationError} when the topic has none of that name.
   *
   * @example
   * ```ts
   * topic.subscription('email').queue.queue.queueUrl;
   * ```
   */
  subscription(name: string): OmnibusSubscription {
    const found = this.subscriptions.get(name);
    if (!found) {
      throw new ConfigurationError(
        `topic "${this.declaration.name}".subscription`,
        `"${name}" is not deployed here (deployed: ${[...this.subscriptions.keys()].join(', ') || 'none'})`,
      );
    }
    return found;
  }
}

function toCdkFilterPolicy(policy: SnsFilterPolicy): Record<string, sns.SubscriptionFilter> {
  const out: Record<string, sns.SubscriptionFilter> = {};
  for (const [key, values] of Object.entries(policy)) out[key] = new sns.SubscriptionFilter([...values]);
  return out;
}
