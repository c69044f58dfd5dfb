/**
 * `OmnibusQueue`: the SQS queue of a declared queue or subscription, with its dead-letter queue and redrive policy
 * (`maxReceiveCount` from the declaration's max attempts, as the AWS adapter's `provision()` sets it), FIFO when the
 * declaration is ordered or deduplicated, SSE-SQS encryption, `enforceSSL`, the declared lease as visibility
 * timeout, retention and delay, and a CloudWatch alarm on the dead-letter queue's depth.
 *
 * @example
 * ```ts
 * const billing = new OmnibusQueue(stack, 'Billing', { declaration: decls.billing });
 * billing.queue.queueUrl; // the deployed queue
 * billing.deadLetter?.queue; // its dead-letter queue
 * ```
 * @module
 */
import { Duration, type RemovalPolicy, Validations } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { Consumable, QueueDeclaration } from '../../core/declarations.js';
import type { Capabilities } from '../../core/driver.js';
import { type DeadLetterAlarmOptions, depthAlarm } from './alarm.js';
import {
  deadLetterTypeFindings,
  entityTypeFindings,
  formatFinding,
  type LintFinding,
  redriveFindings,
} from './lint.js';
import { type SourceMapping, sourceOf } from './physical.js';

/** Properties of {@link OmnibusQueue}. */
export interface OmnibusQueueProps {
  /** The declaration to deploy: a queue, or a subscription (its SQS queue `<topic>-<subscription>`). */
  readonly declaration: Consumable;
  /** Prefix of every physical name, as the AWS adapter's `namePrefix`. Default none. */
  readonly namePrefix?: string;
  /** Capabilities for the decisions. Default: the AWS adapter's (`AWS_CAPABILITIES`). */
  readonly capabilities?: Capabilities;
  /**
   * Adopt an existing queue instead of creating one: nothing is changed on it (its redrive policy, visibility and
   * retention stay as they are), it is only wired to functions and subscriptions. Default: a queue is created.
   */
  readonly existingQueue?: sqs.IQueue;
  /**
   * The dead-letter queue: a shared {@link OmnibusQueue} or an existing queue to adopt. Default: one created from
   * the declaration's `deadLetter` (none when it is `false`).
   */
  readonly deadLetterQueue?: OmnibusQueue | sqs.IQueue;
  /**
   * The redrive policy's `maxReceiveCount`. Default: the declaration's max deliveries (`specOf(…).maxDeliveries`,
   * its max attempts). Any other value is refused by the lint (`max-receive-count`) at synth; state it to have the
   * lint check a number a template must keep.
   */
  readonly maxReceiveCount?: number;
  /** FIFO or standard. Default: FIFO when ordered or deduplicated (a subscription's queue: when its topic is). */
  readonly fifo?: boolean;
  /** Customer-managed KMS key. Default: SSE-SQS (SQS-managed keys; SNS can deliver to it without a key grant). */
  readonly encryptionKey?: kms.IKey;
  /**
   * Whether this queue is a dead-letter queue (gets the depth alarm). Default: true for an automatic dead-letter
   * queue (`<name>-dlq`) and for the dead-letter queues a queue creates.
   */
  readonly isDeadLetterQueue?: boolean;
  /** The alarm on this dead-letter queue's depth; `false` for none. Default: on, threshold 1. */
  readonly deadLetterAlarm?: boolean | DeadLetterAlarmOptions;
  /** Removal policy of created queues. Default: CDK's (`DESTROY` for SQS queues). */
  readonly removalPolicy?: RemovalPolicy;
}

function isDeadLetterQueue(props: OmnibusQueueProps): boolean {
  return (
    props.isDeadLetterQueue ??
    (props.declaration.kind === 'queue' && props.declaration.deadLetterOf !== undefined)
  );
}

function subjectOf(mapping: SourceMapping): string {
  const kind = mapping.spec.kind === 'subscription' ? 'subscription' : 'queue';
  return `${kind} "${mapping.path}" (SQS ${mapping.physicalName})`;
}

/**
 * The SQS queue (and dead-letter queue) of one declared queue or subscription.
 *
 * @example
 * ```ts
 * const q = new OmnibusQueue(stack, 'Billing', { declaration: billing, deadLetterAlarm: { threshold: 5 } });
 * q.alarm; // undefined: the alarm is on q.deadLetter.alarm
 * ```
 */
export class OmnibusQueue extends Construct {
  /** The declaration deployed. */
  readonly declaration: Consumable;
  /** The driver spec and physical name the runtime uses for it. */
  readonly mapping: SourceMapping;
  /** The SQS queue (created or adopted). */
  readonly queue: sqs.IQueue;
  /** The created queue, when not adopted. */
  readonly createdQueue: sqs.Queue | undefined;
  /** True when {@link OmnibusQueueProps.existingQueue} was given. */
  readonly adopted: boolean;
  /** Its dead-letter queue construct, when it created one or was given one. */
  readonly deadLetter: OmnibusQueue | undefined;
  /** The dead-letter queue (created, shared or adopted), or undefined with `deadLetter: false`. */
  readonly deadLetterQueue: sqs.IQueue | undefined;
  /** The redrive policy's `maxReceiveCount`, when a redrive policy was set. */
  readonly maxReceiveCount: number | undefined;
  /** The alarm on this queue's depth, when it is a dead-letter queue with the alarm on. */
  readonly alarm: cloudwatch.Alarm | undefined;
  /** Prefix of physical names. */
  readonly namePrefix: string;

  constructor(scope: Construct, id: string, props: OmnibusQueueProps) {
    super(scope, id);
    const options = { namePrefix: props.namePrefix, capabilities: props.capabilities };
    this.declaration = props.declaration;
    this.namePrefix = props.namePrefix ?? '';
    const mapping = sourceOf(props.declaration, options, props.fifo);
    this.mapping = mapping;
    const spec = mapping.spec;
    const findings: LintFinding[] = [];

    // Dead-letter queue: given (shared / adopted) or created from the declaration.
    const dlqDecl = props.declaration.deadLetter as QueueDeclaration<any, any> | undefined;
    let deadLetter: OmnibusQueue | undefined;
    let deadLetterQueue: sqs.IQueue | undefined;
    if (props.deadLetterQueue instanceof OmnibusQueue) {
      deadLetter = props.deadLetterQueue;
      deadLetterQueue = deadLetter.queue;
    } else if (props.deadLetterQueue !== undefined) {
      deadLetterQueue = props.deadLetterQueue;
    } else if (dlqDecl) {
      const auto = dlqDecl.deadLetterOf !== undefined;
      deadLetter = new OmnibusQueue(this, 'DeadLetter', {
        declaration: dlqDecl,
        ...(props.namePrefix !== undefined ? { namePrefix: props.namePrefix } : {}),
        ...(props.capabilities ? { capabilities: props.capabilities } : {}),
        // An automatic dead-letter queue takes its source's type (SQS requires it), as the adapter decides.
        ...(auto ? { fifo: mapping.fifo } : {}),
        ...(props.encryptionKey ? { encryptionKey: props.encryptionKey } : {}),
        isDeadLetterQueue: true,
        ...(props.deadLetterAlarm !== undefined ? { deadLetterAlarm: props.deadLetterAlarm } : {}),
        ...(props.removalPolicy !== undefined ? { removalPolicy: props.removalPolicy } : {}),
      });
      deadLetterQueue = deadLetter.queue;
    }
    this.deadLetter = deadLetter;
    this.deadLetterQueue = deadLetterQueue;
    if (deadLetterQueue) {
      const dlqName = deadLetter ? subjectOf(deadLetter.mapping) : `queue ${deadLetterQueue.node.path}`;
      findings.push(
        ...deadLetterTypeFindings(subjectOf(mapping), mapping.fifo, dlqName, deadLetterQueue.fifo),
      );
    }

    this.adopted = props.existingQueue !== undefined;
    const maxReceiveCount = deadLetterQueue ? (props.maxReceiveCount ?? spec.maxDeliveries) : undefined;
    this.maxReceiveCount = maxReceiveCount;
    if (props.existingQueue) {
      this.queue = props.existingQueue;
      this.createdQueue = undefined;
      // A subscription's queue type is checked against its topic by the topic construct.
      if (props.declaration.kind === 'queue') {
        findings.push(
          ...entityTypeFindings(subjectOf(mapping), 'queue', mapping.fifo, props.existingQueue.fifo),
        );
      }
    } else {
      const queue = new sqs.Queue(this, 'Queue', {
        queueName: mapping.physicalName,
        ...(mapping.fifo ? { fifo: true, contentBasedDeduplication: false } : {}),
        visibilityTimeout: Duration.seconds(Math.ceil(spec.leaseSeconds)),
        retentionPeriod: Duration.seconds(Math.ceil(spec.retentionSeconds)),
        ...(spec.kind === 'queue' && spec.delaySeconds > 0
          ? { deliveryDelay: Duration.seconds(Math.ceil(spec.delaySeconds)) }
          : {}),
        ...(props.encryptionKey
          ? { encryption: sqs.QueueEncryption.KMS, encryptionMasterKey: props.encryptionKey }
          : { encryption: sqs.QueueEncryption.SQS_MANAGED }),
        enforceSSL: true,
        ...(deadLetterQueue && maxReceiveCount !== undefined
          ? { deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount } }
          : {}),
        ...(props.removalPolicy !== undefined ? { removalPolicy: props.removalPolicy } : {}),
      });
      this.queue = queue;
      this.createdQueue = queue;
      if (!deadLetterQueue && !isDeadLetterQueue(props)) {
        Validations.of(queue).acknowledge({
          id: 'AwsSolutions::AwsSolutions-SQS3',
          reason:
            `The declaration of ${subjectOf(mapping)} sets deadLetter: false: failed messages are retried ` +
            'until the retention period ends instead of being moved to a dead-letter queue.',
        });
      }
      findings.push(
        ...redriveFindings({
          queue: subjectOf(mapping),
          maxReceiveCount,
          expected: deadLetterQueue ? spec.maxDeliveries : undefined,
          maxAttempts: props.declaration.maxAttempts,
          retry: props.declaration.retry,
          leaseSeconds: spec.leaseSeconds,
          retentionSeconds: spec.retentionSeconds,
        }),
      );
    }

    const isDlq = isDeadLetterQueue(props);
    this.alarm =
      isDlq && props.deadLetterAlarm !== false
        ? depthAlarm(
            this,
            'DepthAlarm',
            this.queue,
            `Messages in the dead-letter ${subjectOf(mapping)}`,
            props.deadLetterAlarm,
          )
        : undefined;
    this.node.addValidation({ validate: () => findings.map(formatFinding) });
  }

  /** Human description for lint messages and logs, e.g. `queue "billing" (SQS billing)`. */
  get description(): string {
    return subjectOf(this.mapping);
  }
}
