/**
 * Queue URLs and topic ARNs, looked up once and cached: `GetQueueUrl` (or `queueUrlPrefix` + name) for queues,
 * the ARN recorded by `provision()`, built from `accountId`, or found with `ListTopics` for topics.
 *
 * @example
 * ```ts
 * const { url, fifo } = await resolver.source(queueSpec);
 * ```
 * @module
 */
import type { QueueSpec, SourceSpec, TopicSpec } from '../../core/driver.js';
import { NotFoundError } from '../../core/errors.js';
import type { AwsClients } from './clients.js';
import { toOmnibusError } from './errors.js';
import { FIFO_SUFFIX } from './limits.js';
import { describeEntity, entityKey, isFifoTarget, sourceQueueNames, topicName } from './names.js';

/**
 * A queue as found on SQS.
 *
 * @example
 * ```ts
 * const { url, fifo } = await resolver.source(spec);
 * ```
 */
export interface ResolvedQueue {
  readonly url: string;
  readonly name: string;
  readonly fifo: boolean;
  /** For error messages: `queue "billing" (SQS billing.fifo)`. */
  readonly entity: string;
}

/**
 * A topic as found on SNS.
 *
 * @example
 * ```ts
 * const { arn } = await resolver.topic(topicSpec);
 * ```
 */
export interface ResolvedTopic {
  readonly arn: string;
  readonly name: string;
  readonly fifo: boolean;
  readonly entity: string;
}

/**
 * Options of the {@link Resolver}.
 *
 * @example
 * ```ts
 * const options: ResolverOptions = { prefix: '', accountId: '123456789012' };
 * ```
 */
export interface ResolverOptions {
  readonly prefix: string;
  /** `https://sqs.<region>.amazonaws.com/<account>/`: queue URLs are built, not looked up. */
  readonly queueUrlPrefix?: string | undefined;
  /** Account id: topic ARNs are built, not looked up. */
  readonly accountId?: string | undefined;
}

function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

/**
 * Resolves and caches queue URLs and topic ARNs.
 *
 * @example
 * ```ts
 * const resolver = new Resolver(clients, { prefix: '' });
 * const queue = await resolver.source(spec); // GetQueueUrl once, then cached
 * ```
 */
export class Resolver {
  readonly #clients: AwsClients;
  readonly #options: ResolverOptions;
  readonly #queues = new Map<string, Promise<ResolvedQueue>>();
  readonly #topics = new Map<string, Promise<ResolvedTopic>>();

  constructor(clients: AwsClients, options: ResolverOptions) {
    this.#clients = clients;
    this.#options = options;
  }

  /** Records a queue created or found by `provision()`. */
  rememberQueue(spec: SourceSpec, queue: ResolvedQueue): void {
    this.#queues.set(entityKey(spec), Promise.resolve(queue));
  }

  /** Records a topic created by `provision()`. */
  rememberTopic(spec: TopicSpec, topic: ResolvedTopic): void {
    this.#topics.set(entityKey(spec), Promise.resolve(topic));
  }

  /** Drops a cached entry (after the entity was found missing), so the next call looks it up again. */
  forget(spec: SourceSpec | TopicSpec): void {
    if (spec.kind === 'topic') this.#topics.delete(entityKey(spec));
    else this.#queues.delete(entityKey(spec));
  }

  /** The SQS queue of a queue or subscription. */
  source(spec: SourceSpec): Promise<ResolvedQueue> {
    const key = entityKey(spec);
    let found = this.#queues.get(key);
    if (!found) {
      found = this.#lookUpQueue(spec);
      this.#queues.set(key, found);
      found.catch(() => this.#queues.delete(key));
    }
    return found;
  }

  /** The SQS queue a queue target sends to. */
  queue(spec: QueueSpec): Promise<ResolvedQueue> {
    return this.source(spec);
  }

  /** URL of a queue by its SQS name: built from `queueUrlPrefix` when allowed and configured, else GetQueueUrl. */
  async urlOf(name: string, entity: string, build = true): Promise<string> {
    if (build && this.#options.queueUrlPrefix) return this.#options.queueUrlPrefix + name;
    const [sqs, sdk] = await Promise.all([this.#clients.sqs(), this.#clients.sqsSdk()]);
    try {
      const out = await sqs.send(new sdk.GetQueueUrlCommand({ QueueName: name }));
      if (!out.QueueUrl) throw new NotFoundError(entity);
      return out.QueueUrl;
    } catch (error) {
      throw toOmnibusError(error, 'GetQueueUrl', entity);
    }
  }

  async #lookUpQueue(spec: SourceSpec): Promise<ResolvedQueue> {
    const names = sourceQueueNames(spec, this.#options.prefix);
    // With two candidate names a built URL cannot tell which exists: look them up.
    const build = names.length === 1;
    for (const name of names) {
      const entity = describeEntity(spec, name);
      try {
        const url = await this.urlOf(name, entity, build);
        return { url, name, fifo: name.endsWith(FIFO_SUFFIX), entity };
      } catch (error) {
        if (!NotFoundError.isInstance(error)) throw error;
      }
    }
    throw new NotFoundError(describeEntity(spec, names.join(' or ')));
  }

  /** The SNS topic of a topic spec. */
  topic(spec: TopicSpec): Promise<ResolvedTopic> {
    const key = entityKey(spec);
    let found = this.#topics.get(key);
    if (!found) {
      found = this.#lookUpTopic(spec);
      this.#topics.set(key, found);
      found.catch(() => this.#topics.delete(key));
    }
    return found;
  }

  async #lookUpTopic(spec: TopicSpec): Promise<ResolvedTopic> {
    const fifo = isFifoTarget(spec);
    const name = topicName(spec.name, fifo, this.#options.prefix);
    const entity = describeEntity(spec, name);
    const sns = await this.#clients.sns();
    if (this.#options.accountId) {
      const region = await sns.config.region();
      const arn = `arn:${partitionOf(region)}:sns:${region}:${this.#options.accountId}:${name}`;
      return { arn, name, fifo, entity };
    }
    const sdk = await this.#clients.snsSdk();
    let token: string | undefined;
    try {
      do {
        const page = await sns.send(
          new sdk.ListTopicsCommand(token === undefined ? {} : { NextToken: token }),
        );
        for (const t of page.Topics ?? []) {
          if (t.TopicArn?.endsWith(`:${name}`)) return { arn: t.TopicArn, name, fifo, entity };
        }
        token = page.NextToken;
      } while (token);
    } catch (error) {
      throw toOmnibusError(error, 'ListTopics', entity);
    }
    throw new NotFoundError(entity);
  }
}
