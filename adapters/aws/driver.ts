import { setMaxListeners } from 'node:events';
/**
 * The AWS driver: queues on SQS, topics on SNS with an SQS queue per subscription. It translates, nothing more:
 * batching by the bus, checks by the bus (plus the wire checks only AWS needs), settlement by receipt handle.
 *
 * @example
 * ```ts
 * import { createBus } from 'omnibus';
 * import { aws } from 'omnibus/aws';
 * const bus = createBus({ adapter: aws({ region: 'eu-west-1' }), declarations: [billing] });
 * ```
 * @module
 */
import type { SNSClient } from '@aws-sdk/client-sns';
import type { SQSClient } from '@aws-sdk/client-sqs';
import {
  DRIVER_SPEC_VERSION,
  type Driver,
  type DriverMessage,
  type ReceiverOptions,
  type SendOutcome,
  type SourceSpec,
  type TargetSpec,
  type Topology,
} from '../../core/driver.js';
import { ConfigurationError, NotFoundError, type OmnibusError } from '../../core/errors.js';
import { AwsClients, type AwsConnectionOptions } from './clients.js';
import { toOmnibusError } from './errors.js';
import { Handover } from './handover.js';
import { AWS_CAPABILITIES, SQS_MAX_WAIT_SECONDS } from './limits.js';
import { assertNamePrefix, describeEntity } from './names.js';
import { provisionTopology } from './provision.js';
import { openSqsReceiver, type ReceiverContext } from './receiver.js';
import { Resolver } from './resolver.js';
import { publishToTopic, sendToQueue } from './send.js';
import { Settler } from './settle.js';

/**
 * Options of {@link aws}.
 *
 * @example
 * ```ts
 * const options: AwsOptions = { region: 'eu-west-1', namePrefix: 'staging-', waitTimeSeconds: 20 };
 * ```
 */
export interface AwsOptions extends AwsConnectionOptions {
  /** An SQS client to use (never closed by the driver). Default: one built from the connection options. */
  readonly sqs?: SQSClient;
  /** An SNS client to use (never closed by the driver). Default: one built from the connection options. */
  readonly sns?: SNSClient;
  /** Prefix of every queue and topic name, e.g. `staging-` (letters, digits, `-`, `_`). Default none. */
  readonly namePrefix?: string;
  /**
   * Base of queue URLs, e.g. `https://sqs.eu-west-1.amazonaws.com/123456789012/`: URLs are built from it instead
   * of looked up with GetQueueUrl (which is then needed only for provisioning).
   */
  readonly queueUrlPrefix?: string;
  /**
   * AWS account id: topic ARNs are built from it and the region instead of looked up with ListTopics (needed only
   * when publishing from a process that did not run `provision()`).
   */
  readonly accountId?: string;
  /** Longest long poll of one ReceiveMessage, 0–20 s (default 20). */
  readonly waitTimeSeconds?: number;
}

function checkOptions(options: AwsOptions): void {
  if (options.namePrefix !== undefined) assertNamePrefix(options.namePrefix);
  const wait = options.waitTimeSeconds;
  if (wait !== undefined && (!Number.isInteger(wait) || wait < 0 || wait > SQS_MAX_WAIT_SECONDS)) {
    throw new ConfigurationError(
      'waitTimeSeconds',
      `must be a whole number 0–${SQS_MAX_WAIT_SECONDS}, got ${wait}`,
    );
  }
  if (options.queueUrlPrefix !== undefined && !/^https?:\/\/.+\/$/.test(options.queueUrlPrefix)) {
    throw new ConfigurationError('queueUrlPrefix', 'must be an http(s) URL ending in "/"');
  }
  if (options.accountId !== undefined && !/^\d{12}$/.test(options.accountId)) {
    throw new ConfigurationError('accountId', 'must be a 12-digit AWS account id');
  }
}

/**
 * Creates the AWS driver. Nothing connects until the first call; the SDK is loaded then.
 *
 * @example
 * ```ts
 * const driver = aws(); // region, credentials and endpoint (AWS_ENDPOINT_URL) from the environment
 * const local = aws({ endpoint: 'http://127.0.0.1:4566' }); // LocalStack or moto, dummy credentials
 * ```
 */
export function aws(options: AwsOptions = {}): Driver {
  checkOptions(options);
  const prefix = options.namePrefix ?? '';
  const clients = new AwsClients(options, {
    ...(options.sqs ? { sqs: options.sqs } : {}),
    ...(options.sns ? { sns: options.sns } : {}),
  });
  const resolver = new Resolver(clients, {
    prefix,
    queueUrlPrefix: options.queueUrlPrefix,
    accountId: options.accountId,
  });
  const settler = new Settler(clients);
  const handover = new Handover();
  const closing = new AbortController();
  // Every in-flight request of every receiver listens to it: many at once is expected, not a leak.
  setMaxListeners(0, closing.signal);
  const receiverContext: ReceiverContext = {
    clients,
    resolver,
    settler,
    handover,
    closing: closing.signal,
    maxWaitSeconds: options.waitTimeSeconds ?? SQS_MAX_WAIT_SECONDS,
  };
  let closed = false;

  const assertOpen = () => {
    if (closed) throw new ConfigurationError('aws driver', 'is closed');
  };

  const failAll = (messages: readonly DriverMessage[], error: OmnibusError): SendOutcome[] =>
    messages.map(() => ({ ok: false, error }));

  /** Sends to the SQS queue of a queue or subscription. */
  const sendToSource = async (
    source: SourceSpec,
    messages: readonly DriverMessage[],
  ): Promise<SendOutcome[]> => {
    let queue: Awaited<ReturnType<Resolver['source']>>;
    try {
      queue = await resolver.source(source);
    } catch (error) {
      return failAll(messages, toOmnibusError(error, 'GetQueueUrl', describeEntity(source)));
    }
    const target = {
      kind: 'queue' as const,
      fifo: queue.fifo,
      ordered: source.ordered,
      queueDelaySeconds: source.kind === 'queue' ? source.delaySeconds : 0,
    };
    const { outcomes, errors } = await sendToQueue(clients, queue, target, messages);
    if (errors.some((e) => NotFoundError.isInstance(e))) resolver.forget(source);
    return outcomes;
  };

  return {
    specVersion: DRIVER_SPEC_VERSION,
    capabilities: AWS_CAPABILITIES,

    async provision(topology: Topology): Promise<void> {
      assertOpen();
      await provisionTopology({ clients, resolver, prefix }, topology);
    },

    async send(target: TargetSpec, messages: readonly DriverMessage[]): Promise<SendOutcome[]> {
      assertOpen();
      if (messages.length === 0) return [];
      if (target.kind === 'queue') return sendToSource(target, messages);
      let topic: Awaited<ReturnType<Resolver['topic']>>;
      try {
        topic = await resolver.topic(target);
      } catch (error) {
        return failAll(messages, toOmnibusError(error, 'ListTopics', describeEntity(target)));
      }
      const entryTarget = {
        kind: 'topic' as const,
        fifo: topic.fifo,
        ordered: target.ordered,
        queueDelaySeconds: 0,
      };
      const { outcomes, errors } = await publishToTopic(clients, topic, entryTarget, messages);
      if (errors.some((e) => NotFoundError.isInstance(e))) resolver.forget(target);
      return outcomes;
    },

    openReceiver(source: SourceSpec, receiverOptions: ReceiverOptions) {
      assertOpen();
      return openSqsReceiver(receiverContext, source, receiverOptions);
    },

    /** A subscription is an SQS queue: redelivery sends straight to it, so no other subscription sees a copy. */
    async redeliver(source: SourceSpec, messages: readonly DriverMessage[]): Promise<SendOutcome[]> {
      assertOpen();
      if (messages.length === 0) return [];
      return sendToSource(source, messages);
    },

    async depth(source: SourceSpec): Promise<number> {
      assertOpen();
      const queue = await resolver.source(source);
      const [sqs, sdk] = await Promise.all([clients.sqs(), clients.sqsSdk()]);
      try {
        const out = await sqs.send(
          new sdk.GetQueueAttributesCommand({
            QueueUrl: queue.url,
            AttributeNames: ['ApproximateNumberOfMessages'],
          }),
        );
        return Number(out.Attributes?.ApproximateNumberOfMessages ?? 0);
      } catch (error) {
        throw toOmnibusError(error, 'GetQueueAttributes', queue.entity);
      }
    },

    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      // Messages caught by abandoned long polls become visible again; then requests still running are ended.
      await handover.releaseAll();
      await settler.flush();
      closing.abort();
      clients.close();
    },
  };
}
