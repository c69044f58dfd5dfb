/**
 * The namespace model: queues, topics, subscriptions and their rules; sending (duplicate detection, quotas,
 * scheduling, topic fan-out, auto-forwarding) and dead-lettering. Transport-agnostic: the AMQP server
 * ({@link ./server.ts}) drives it, and so can in-process callers.
 */
import { randomUUID } from 'node:crypto';
import { type AmqpMessage, cloneMessage, encodedSize, idToString } from './amqp.js';
import {
  type Duration,
  durationToMs,
  type EntityStatus,
  type QueueOptions,
  type SubscriptionOptions,
  type TopicOptions,
} from './config.js';
import { AmqpCondition, entityNotFound, TwinError } from './errors.js';
import { newStoredMessage, type StoredMessage } from './message.js';
import {
  applyRules,
  compileRule,
  DEFAULT_RULE_NAME,
  describeRule,
  type Rule,
  type RuleDefinition,
} from './rules.js';
import type { Clock, Scheduler, Task } from './scheduler.js';
import { MessageStore, SizeAccount, type StoreContext, type StoreOwner, type SubQueueKind } from './store.js';

/**
 * Defaults applied to entities that don't set an option.
 *
 * @example
 * ```ts
 * const defaults: EntityDefaults = { lockDurationMs: 60_000, maxDeliveryCount: 10, defaultMessageTimeToLiveMs: Infinity,
 *   duplicateDetectionWindowMs: 600_000, maxSizeBytes: 1024 * 1024 * 1024 };
 * ```
 */
export interface EntityDefaults {
  lockDurationMs: number;
  maxDeliveryCount: number;
  defaultMessageTimeToLiveMs: number;
  duplicateDetectionWindowMs: number;
  maxSizeBytes: number;
}

/**
 * Resolved options of a queue or subscription (durations in ms).
 *
 * @example
 * ```ts
 * broker.requireQueue('q').options.lockDurationMs; // 60000
 * ```
 */
export interface ReceivableOptions {
  readonly lockDurationMs: number;
  readonly maxDeliveryCount: number;
  readonly requiresSession: boolean;
  readonly defaultMessageTimeToLiveMs: number;
  readonly deadLetteringOnMessageExpiration: boolean;
  readonly forwardTo: string | undefined;
  readonly forwardDeadLetteredMessagesTo: string | undefined;
  readonly status: EntityStatus;
}

/**
 * Resolved sending options of a queue or topic.
 *
 * @example
 * ```ts
 * broker.requireTopic('t').sendOptions.maxMessageBytes; // 262144 on the standard tier
 * ```
 */
export interface SendOptions {
  readonly defaultMessageTimeToLiveMs: number;
  readonly requiresDuplicateDetection: boolean;
  readonly duplicateDetectionWindowMs: number;
  readonly maxSizeBytes: number;
  readonly maxMessageBytes: number;
  readonly status: EntityStatus;
}

/**
 * Remembers message ids for a time window; O(1) amortized per check, entries expire in arrival order.
 *
 * @example
 * ```ts
 * const dd = new DuplicateDetector(600_000);
 * dd.isDuplicate('m1', now); // false (and remembered)
 * dd.isDuplicate('m1', now); // true
 * ```
 */
export class DuplicateDetector {
  private readonly seen = new Map<string, number>();
  private fifo: Array<{ id: string; until: number }> = [];
  private head = 0;

  constructor(readonly windowMs: number) {}

  /** Number of remembered ids. */
  get size(): number {
    return this.seen.size;
  }

  /** True when `id` was seen within the window; otherwise remembers it. */
  isDuplicate(id: string, now: number): boolean {
    this.prune(now);
    const until = this.seen.get(id);
    if (until !== undefined && until > now) return true;
    const entry = { id, until: now + this.windowMs };
    this.seen.set(id, entry.until);
    this.fifo.push(entry);
    return false;
  }

  /** Forgets ids whose window has passed. */
  prune(now: number): void {
    while (this.head < this.fifo.length) {
      const entry = this.fifo[this.head] as { id: string; until: number };
      if (entry.until > now) break;
      if (this.seen.get(entry.id) === entry.until) this.seen.delete(entry.id);
      this.head++;
    }
    if (this.head > 1024 && this.head * 2 > this.fifo.length) {
      this.fifo = this.fifo.slice(this.head);
      this.head = 0;
    }
    if (this.head === this.fifo.length && this.head > 0) {
      this.fifo = [];
      this.head = 0;
    }
  }
}

/**
 * Runtime counts of an entity, like the administration client's runtime properties.
 *
 * @example
 * ```ts
 * twin.getRuntimeProperties('orders').activeMessageCount;
 * ```
 */
export interface RuntimeProperties {
  path: string;
  activeMessageCount: number;
  deadLetterMessageCount: number;
  transferDeadLetterMessageCount: number;
  scheduledMessageCount: number;
  deferredMessageCount: number;
  lockedMessageCount: number;
  sizeInBytes: number;
  /** Subscriptions of a topic (topics only). */
  subscriptionCount?: number;
}

/**
 * Events the namespace raises for the transport.
 *
 * @example
 * ```ts
 * const events: BrokerEvents = { messagesAvailable: (s) => pump(s), entityDeleted: (e) => detachLinks(e) };
 * ```
 */
export interface BrokerEvents {
  messagesAvailable(store: MessageStore): void;
  entityDeleted(entity: QueueEntity | TopicEntity | SubscriptionEntity): void;
}

/**
 * Anything messages can be sent to.
 *
 * @example
 * ```ts
 * const target: SendTarget = broker.getQueue('q') ?? broker.requireTopic('t');
 * ```
 */
export type SendTarget = QueueEntity | TopicEntity;

const QUEUE_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9._\-/~]*[A-Za-z0-9_\-~])?$/;
const SUBSCRIPTION_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9._\-~]*[A-Za-z0-9_\-~])?$/;

function checkName(name: string, kind: 'queue' | 'topic' | 'subscription'): void {
  const pattern = kind === 'subscription' ? SUBSCRIPTION_NAME : QUEUE_NAME;
  const max = kind === 'subscription' ? 50 : 260;
  if (
    typeof name !== 'string' ||
    name.length > max ||
    !pattern.test(name) ||
    /\/subscriptions\//i.test(name) ||
    /(^|\/)\$/.test(name)
  ) {
    throw new TwinError(AmqpCondition.ArgumentError, `'${name}' is not a valid ${kind} name.`);
  }
}

const ms = (value: Duration | undefined, fallback: number): number =>
  value === undefined ? fallback : durationToMs(value);

/**
 * The TTL a message gets: its own (the SDK writes `absolute_expiry_time - creation_time` for TTLs beyond the
 * header's uint range, and the header `ttl` otherwise), capped by the entity defaults.
 */
function effectiveTtl(message: AmqpMessage, ...limits: number[]): number {
  let ttl = Math.min(...limits);
  let own: number | undefined;
  if (message.absolute_expiry_time instanceof Date && message.creation_time instanceof Date) {
    own = message.absolute_expiry_time.getTime() - message.creation_time.getTime();
  } else if (typeof message.ttl === 'number' && message.ttl > 0) {
    own = message.ttl;
  }
  if (own !== undefined && own > 0) ttl = Math.min(ttl, own);
  return ttl;
}

function scheduledTime(message: AmqpMessage): number | undefined {
  const value = message.message_annotations?.['x-opt-scheduled-enqueue-time'];
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'number') return value;
  return undefined;
}

/** Shared behaviour of queues and subscriptions (the entities that store messages). */
abstract class ReceivableEntity implements StoreOwner {
  readonly active: MessageStore;
  readonly deadLetterQueue: MessageStore;
  readonly transferDeadLetterQueue: MessageStore;
  readonly size = new SizeAccount();
  nextSeq = 1;
  deleted = false;
  abstract readonly path: string;
  abstract readonly sizeAccounts: readonly SizeAccount[];

  constructor(
    protected readonly broker: Broker,
    public options: ReceivableOptions,
    ctx: StoreContext,
  ) {
    this.active = new MessageStore(this, 'active', options.requiresSession, ctx);
    this.deadLetterQueue = new MessageStore(this, 'deadletter', false, ctx);
    this.transferDeadLetterQueue = new MessageStore(this, 'transfer-deadletter', false, ctx);
  }

  /** The store of a sub-queue. */
  store(kind: SubQueueKind): MessageStore {
    return kind === 'active'
      ? this.active
      : kind === 'deadletter'
        ? this.deadLetterQueue
        : this.transferDeadLetterQueue;
  }

  /** TTL limits that apply to messages of this entity (its own default, plus its topic's for subscriptions). */
  protected abstract ttlLimits(): number[];

  /** Stores an incoming message (or auto-forwards it). */
  acceptIncoming(message: AmqpMessage, size: number, hops: number): void {
    if (this.deleted) return;
    if (this.options.forwardTo !== undefined) {
      this.broker.forward(this, message, size, this.options.forwardTo, hops);
      return;
    }
    const now = this.broker.clock.now();
    this.active.insert(
      newStoredMessage({
        seq: this.nextSeq++,
        amqp: message,
        size,
        enqueuedAt: now,
        ttl: effectiveTtl(message, ...this.ttlLimits()),
      }),
    );
  }

  /** Puts a message (already removed from its store) into the dead-letter queue, or forwards it. */
  deadLetter(message: StoredMessage, reason: string | undefined, description: string | undefined): void {
    if (this.deleted) return;
    const props: Record<string, unknown> = { ...(message.amqp.application_properties ?? {}) };
    if (reason !== undefined && reason !== null) props.DeadLetterReason = reason;
    if (description !== undefined && description !== null) props.DeadLetterErrorDescription = description;
    message.amqp = { ...message.amqp, application_properties: props };
    message.deadLetterSource = this.path;
    message.state = 'active';
    message.expiresAt = Number.POSITIVE_INFINITY;
    const forwardTo = this.options.forwardDeadLetteredMessagesTo;
    if (forwardTo !== undefined) {
      const forwarded: AmqpMessage = {
        ...message.amqp,
        message_annotations: {
          ...(message.amqp.message_annotations ?? {}),
          'x-opt-deadletter-source': this.path,
        },
      };
      this.broker.forward(this, forwarded, message.size, forwardTo, 0);
      return;
    }
    this.deadLetterQueue.insert(message);
  }

  /** Runtime counts. */
  runtime(): RuntimeProperties {
    const active = this.active.stats();
    return {
      path: this.path,
      activeMessageCount: active.messages - active.deferred - active.scheduled,
      deadLetterMessageCount: this.deadLetterQueue.stats().messages,
      transferDeadLetterMessageCount: this.transferDeadLetterQueue.stats().messages,
      scheduledMessageCount: active.scheduled,
      deferredMessageCount: active.deferred,
      lockedMessageCount: active.locked + this.deadLetterQueue.stats().locked,
      sizeInBytes: this.size.bytes,
    };
  }

  destroy(): void {
    this.deleted = true;
    this.active.destroy();
    this.deadLetterQueue.destroy();
    this.transferDeadLetterQueue.destroy();
  }
}

/**
 * A queue.
 *
 * @example
 * ```ts
 * const queue = broker.createQueue('orders', { maxDeliveryCount: 3 });
 * queue.active.stats().messages;
 * ```
 */
export class QueueEntity extends ReceivableEntity {
  readonly kind = 'queue';
  readonly sizeAccounts: readonly SizeAccount[];
  readonly duplicates: DuplicateDetector | undefined;
  readonly scheduled = new Map<number, { message: StoredMessage; task: Task }>();

  constructor(
    broker: Broker,
    readonly name: string,
    options: ReceivableOptions,
    public sendOptions: SendOptions,
    ctx: StoreContext,
  ) {
    super(broker, options, ctx);
    this.sizeAccounts = [this.size];
    this.duplicates = sendOptions.requiresDuplicateDetection
      ? new DuplicateDetector(sendOptions.duplicateDetectionWindowMs)
      : undefined;
  }

  get path(): string {
    return this.name;
  }

  protected ttlLimits(): number[] {
    return [this.options.defaultMessageTimeToLiveMs];
  }

  override destroy(): void {
    for (const entry of this.scheduled.values()) this.broker.scheduler.cancel(entry.task);
    this.scheduled.clear();
    super.destroy();
  }
}

/**
 * A topic.
 *
 * @example
 * ```ts
 * const topic = broker.createTopic('events');
 * broker.createSubscription('events', 'all');
 * ```
 */
export class TopicEntity {
  readonly kind = 'topic';
  readonly subscriptions = new Map<string, SubscriptionEntity>();
  readonly size = new SizeAccount();
  readonly duplicates: DuplicateDetector | undefined;
  readonly scheduled = new Map<number, { message: AmqpMessage; size: number; task: Task }>();
  nextSeq = 1;
  deleted = false;

  constructor(
    readonly name: string,
    public sendOptions: SendOptions,
  ) {
    this.duplicates = sendOptions.requiresDuplicateDetection
      ? new DuplicateDetector(sendOptions.duplicateDetectionWindowMs)
      : undefined;
  }

  get path(): string {
    return this.name;
  }

  /** Runtime counts (message counts summed over subscriptions). */
  runtime(): RuntimeProperties {
    const out: RuntimeProperties = {
      path: this.name,
      activeMessageCount: 0,
      deadLetterMessageCount: 0,
      transferDeadLetterMessageCount: 0,
      scheduledMessageCount: this.scheduled.size,
      deferredMessageCount: 0,
      lockedMessageCount: 0,
      sizeInBytes: this.size.bytes,
      subscriptionCount: this.subscriptions.size,
    };
    for (const sub of this.subscriptions.values()) {
      const r = sub.runtime();
      out.activeMessageCount += r.activeMessageCount;
      out.deadLetterMessageCount += r.deadLetterMessageCount;
      out.transferDeadLetterMessageCount += r.transferDeadLetterMessageCount;
      out.deferredMessageCount += r.deferredMessageCount;
      out.lockedMessageCount += r.lockedMessageCount;
    }
    return out;
  }
}

/**
 * A topic subscription with its rules.
 *
 * @example
 * ```ts
 * const sub = broker.createSubscription('events', 'eu', { rules: [{ name: 'eu', filter: { sqlExpression: "region='eu'" } }] });
 * sub.rules.size; // 1
 * ```
 */
export class SubscriptionEntity extends ReceivableEntity {
  readonly kind = 'subscription';
  readonly rules = new Map<string, Rule>();
  readonly sizeAccounts: readonly SizeAccount[];

  constructor(
    broker: Broker,
    readonly topic: TopicEntity,
    readonly name: string,
    options: ReceivableOptions,
    ctx: StoreContext,
  ) {
    super(broker, options, ctx);
    this.sizeAccounts = [this.size, topic.size];
  }

  get path(): string {
    return `${this.topic.name}/Subscriptions/${this.name}`;
  }

  protected ttlLimits(): number[] {
    return [this.options.defaultMessageTimeToLiveMs, this.topic.sendOptions.defaultMessageTimeToLiveMs];
  }
}

/**
 * What an AMQP address names.
 *
 * @example
 * ```ts
 * const r = broker.resolve('events/Subscriptions/all/$DeadLetterQueue');
 * r?.store?.kind; // 'deadletter'
 * ```
 */
export interface ResolvedAddress {
  entity: QueueEntity | TopicEntity | SubscriptionEntity;
  /** The sub-queue store (queues and subscriptions only). */
  store: MessageStore | undefined;
  subQueue: SubQueueKind;
  /** True for `<entity>/$management`. */
  management: boolean;
}

/**
 * The parts of an address.
 *
 * @example
 * ```ts
 * parseAddress('sb://host/q/$DeadLetterQueue'); // { entityPath: 'q', topic: undefined, subscription: undefined, subQueue: 'deadletter', management: false }
 * ```
 */
export function parseAddress(address: string): {
  entityPath: string;
  topic: string | undefined;
  subscription: string | undefined;
  subQueue: SubQueueKind;
  management: boolean;
} {
  let path = address.trim();
  const scheme = /^[a-z][a-z0-9+.-]*:\/\/[^/]*/i.exec(path);
  if (scheme) path = path.slice(scheme[0].length);
  path = path.replace(/^\/+/, '').replace(/\/+$/, '');
  let management = false;
  if (/\/\$management$/i.test(path)) {
    management = true;
    path = path.replace(/\/\$management$/i, '');
  }
  let subQueue: SubQueueKind = 'active';
  if (/\/\$Transfer\/\$DeadLetterQueue$/i.test(path)) {
    subQueue = 'transfer-deadletter';
    path = path.replace(/\/\$Transfer\/\$DeadLetterQueue$/i, '');
  } else if (/\/\$DeadLetterQueue$/i.test(path)) {
    subQueue = 'deadletter';
    path = path.replace(/\/\$DeadLetterQueue$/i, '');
  }
  const sub = /^(.+)\/Subscriptions\/([^/]+)$/i.exec(path);
  return { entityPath: path, topic: sub?.[1], subscription: sub?.[2], subQueue, management };
}

/**
 * Construction options of a {@link Broker}.
 *
 * @example
 * ```ts
 * new Broker({ clock: systemClock, scheduler, defaults, maxMessageBytes: 256 * 1024, events });
 * ```
 */
export interface BrokerOptions {
  clock: Clock;
  scheduler: Scheduler;
  defaults: EntityDefaults;
  /** Tier maximum message size (bytes) for entities that don't set `maxMessageSizeInKilobytes`. */
  maxMessageBytes: number;
  events: BrokerEvents;
}

/**
 * A Service Bus namespace: entity registry and message routing.
 *
 * @example
 * ```ts
 * const broker = new Broker(options);
 * const queue = broker.createQueue('q');
 * broker.send(queue, [{ body: 'hi' }]);
 * ```
 */
export class Broker {
  readonly queues = new Map<string, QueueEntity>();
  readonly topics = new Map<string, TopicEntity>();
  readonly clock: Clock;
  readonly scheduler: Scheduler;
  private readonly ctx: StoreContext;

  constructor(private readonly options: BrokerOptions) {
    this.clock = options.clock;
    this.scheduler = options.scheduler;
    this.ctx = {
      clock: options.clock,
      scheduler: options.scheduler,
      messagesAvailable: (store) => options.events.messagesAvailable(store),
    };
  }

  private receivableOptions(o: QueueOptions | SubscriptionOptions): ReceivableOptions {
    const d = this.options.defaults;
    const maxDeliveryCount = o.maxDeliveryCount ?? d.maxDeliveryCount;
    if (!Number.isInteger(maxDeliveryCount) || maxDeliveryCount < 1) {
      throw new TwinError(AmqpCondition.ArgumentOutOfRange, 'maxDeliveryCount must be a positive integer.');
    }
    const lockDurationMs = ms(o.lockDuration, d.lockDurationMs);
    if (!(lockDurationMs > 0) || !Number.isFinite(lockDurationMs)) {
      throw new TwinError(
        AmqpCondition.ArgumentOutOfRange,
        'lockDuration must be a positive, finite duration.',
      );
    }
    const ttl = ms(o.defaultMessageTimeToLive, d.defaultMessageTimeToLiveMs);
    if (!(ttl > 0))
      throw new TwinError(AmqpCondition.ArgumentOutOfRange, 'defaultMessageTimeToLive must be positive.');
    return {
      lockDurationMs,
      maxDeliveryCount,
      requiresSession: o.requiresSession ?? false,
      defaultMessageTimeToLiveMs: ttl,
      deadLetteringOnMessageExpiration: o.deadLetteringOnMessageExpiration ?? false,
      forwardTo: o.forwardTo || undefined,
      forwardDeadLetteredMessagesTo: o.forwardDeadLetteredMessagesTo || undefined,
      status: o.status ?? 'Active',
    };
  }

  private sendOptions(o: QueueOptions | TopicOptions): SendOptions {
    const d = this.options.defaults;
    const maxSizeBytes =
      o.maxSizeInBytes ??
      (o.maxSizeInMegabytes === undefined ? d.maxSizeBytes : o.maxSizeInMegabytes * 1024 * 1024);
    let maxMessageBytes = this.options.maxMessageBytes;
    if (o.maxMessageSizeInKilobytes !== undefined) {
      if (o.maxMessageSizeInKilobytes < 1 || o.maxMessageSizeInKilobytes > 102_400) {
        throw new TwinError(
          AmqpCondition.ArgumentOutOfRange,
          'maxMessageSizeInKilobytes must be between 1 and 102400.',
        );
      }
      maxMessageBytes = o.maxMessageSizeInKilobytes * 1024;
    }
    return {
      defaultMessageTimeToLiveMs: ms(o.defaultMessageTimeToLive, d.defaultMessageTimeToLiveMs),
      requiresDuplicateDetection: o.requiresDuplicateDetection ?? false,
      duplicateDetectionWindowMs: ms(o.duplicateDetectionHistoryTimeWindow, d.duplicateDetectionWindowMs),
      maxSizeBytes,
      maxMessageBytes,
      status: o.status ?? 'Active',
    };
  }

  private assertFree(name: string): void {
    const key = name.toLowerCase();
    if (this.queues.has(key) || this.topics.has(key)) {
      throw new TwinError(
        AmqpCondition.EntityAlreadyExists,
        `The messaging entity '${name}' already exists.`,
      );
    }
  }

  /** Creates a queue; throws `com.microsoft:entity-already-exists` if the name is taken. */
  createQueue(name: string, options: QueueOptions = {}): QueueEntity {
    checkName(name, 'queue');
    this.assertFree(name);
    const queue = new QueueEntity(
      this,
      name,
      this.receivableOptions(options),
      this.sendOptions(options),
      this.ctx,
    );
    this.queues.set(name.toLowerCase(), queue);
    return queue;
  }

  /** Creates a topic. */
  createTopic(name: string, options: TopicOptions = {}): TopicEntity {
    checkName(name, 'topic');
    this.assertFree(name);
    const topic = new TopicEntity(name, this.sendOptions(options));
    this.topics.set(name.toLowerCase(), topic);
    return topic;
  }

  /** Creates a subscription (with the `$Default` true rule unless `options.rules` is given). */
  createSubscription(topicName: string, name: string, options: SubscriptionOptions = {}): SubscriptionEntity {
    checkName(name, 'subscription');
    const topic = this.requireTopic(topicName);
    const key = name.toLowerCase();
    if (topic.subscriptions.has(key)) {
      throw new TwinError(
        AmqpCondition.EntityAlreadyExists,
        `The messaging entity '${topic.name}/Subscriptions/${name}' already exists.`,
      );
    }
    const rules = options.rules ?? [{ name: DEFAULT_RULE_NAME, filter: true }];
    const compiled = rules.map((r) => compileRule(r, this.clock.now()));
    const sub = new SubscriptionEntity(this, topic, name, this.receivableOptions(options), this.ctx);
    for (const rule of compiled) {
      if (sub.rules.has(rule.name.toLowerCase())) {
        throw new TwinError(AmqpCondition.EntityAlreadyExists, `The rule '${rule.name}' is declared twice.`);
      }
      sub.rules.set(rule.name.toLowerCase(), rule);
    }
    topic.subscriptions.set(key, sub);
    return sub;
  }

  /** Adds a rule to a subscription. */
  addRule(subscription: SubscriptionEntity, definition: RuleDefinition): void {
    const rule = compileRule(definition, this.clock.now());
    const key = rule.name.toLowerCase();
    if (subscription.rules.has(key)) {
      throw new TwinError(
        AmqpCondition.EntityAlreadyExists,
        `The messaging entity '${subscription.path}/Rules/${rule.name}' already exists.`,
      );
    }
    subscription.rules.set(key, rule);
  }

  /** Removes a rule; throws "entity not found" when it does not exist. */
  removeRule(subscription: SubscriptionEntity, name: string): void {
    if (!subscription.rules.delete(String(name).toLowerCase())) {
      throw entityNotFound(`${subscription.path}/Rules/${name}`);
    }
  }

  /** The rules of a subscription as definitions. */
  listRules(subscription: SubscriptionEntity): RuleDefinition[] {
    return [...subscription.rules.values()].map(describeRule);
  }

  getQueue(name: string): QueueEntity | undefined {
    return this.queues.get(name.toLowerCase());
  }

  getTopic(name: string): TopicEntity | undefined {
    return this.topics.get(name.toLowerCase());
  }

  getSubscription(topicName: string, name: string): SubscriptionEntity | undefined {
    return this.getTopic(topicName)?.subscriptions.get(name.toLowerCase());
  }

  requireQueue(name: string): QueueEntity {
    const queue = this.getQueue(name);
    if (queue === undefined) throw entityNotFound(name);
    return queue;
  }

  requireTopic(name: string): TopicEntity {
    const topic = this.getTopic(name);
    if (topic === undefined) throw entityNotFound(name);
    return topic;
  }

  requireSubscription(topicName: string, name: string): SubscriptionEntity {
    const sub = this.getSubscription(topicName, name);
    if (sub === undefined) throw entityNotFound(`${topicName}/Subscriptions/${name}`);
    return sub;
  }

  /** Deletes a queue (its messages are dropped; links to it are detached by the transport). */
  deleteQueue(name: string): void {
    const queue = this.requireQueue(name);
    this.queues.delete(name.toLowerCase());
    queue.destroy();
    this.options.events.entityDeleted(queue);
  }

  /** Deletes a topic and its subscriptions. */
  deleteTopic(name: string): void {
    const topic = this.requireTopic(name);
    this.topics.delete(name.toLowerCase());
    topic.deleted = true;
    for (const entry of topic.scheduled.values()) this.scheduler.cancel(entry.task);
    topic.scheduled.clear();
    for (const sub of topic.subscriptions.values()) {
      sub.destroy();
      this.options.events.entityDeleted(sub);
    }
    topic.subscriptions.clear();
    this.options.events.entityDeleted(topic);
  }

  /** Deletes a subscription. */
  deleteSubscription(topicName: string, name: string): void {
    const sub = this.requireSubscription(topicName, name);
    sub.topic.subscriptions.delete(name.toLowerCase());
    sub.destroy();
    this.options.events.entityDeleted(sub);
  }

  /**
   * Resolves an AMQP address (`q`, `q/$DeadLetterQueue`, `t/Subscriptions/s`, `t/Subscriptions/s/$management`, …).
   * With `autoCreate`, unknown queues (or topic/subscription pairs) are created on the fly.
   */
  resolve(address: string, autoCreate = false): ResolvedAddress | undefined {
    const parsed = parseAddress(address);
    if (parsed.topic !== undefined && parsed.subscription !== undefined) {
      let sub = this.getSubscription(parsed.topic, parsed.subscription);
      if (sub === undefined && autoCreate) {
        const topic =
          this.getTopic(parsed.topic) ??
          (this.getQueue(parsed.topic) ? undefined : this.createTopic(parsed.topic));
        if (topic !== undefined) sub = this.createSubscription(topic.name, parsed.subscription);
      }
      if (sub === undefined) return undefined;
      return {
        entity: sub,
        store: sub.store(parsed.subQueue),
        subQueue: parsed.subQueue,
        management: parsed.management,
      };
    }
    const topic = this.getTopic(parsed.entityPath);
    if (topic !== undefined) {
      if (parsed.subQueue !== 'active') return undefined;
      return { entity: topic, store: undefined, subQueue: 'active', management: parsed.management };
    }
    let queue = this.getQueue(parsed.entityPath);
    if (queue === undefined && autoCreate && parsed.entityPath.length > 0)
      queue = this.createQueue(parsed.entityPath);
    if (queue === undefined) return undefined;
    return {
      entity: queue,
      store: queue.store(parsed.subQueue),
      subQueue: parsed.subQueue,
      management: parsed.management,
    };
  }

  /** Throws the refusal for a sender or receiver on a disabled entity. */
  assertStatus(entity: QueueEntity | TopicEntity | SubscriptionEntity, direction: 'send' | 'receive'): void {
    const status = entity.kind === 'topic' ? entity.sendOptions.status : entity.options.status;
    const topicStatus = entity.kind === 'subscription' ? entity.topic.sendOptions.status : 'Active';
    const blocked =
      status === 'Disabled' ||
      topicStatus === 'Disabled' ||
      (direction === 'send' && status === 'SendDisabled') ||
      (direction === 'receive' && status === 'ReceiveDisabled');
    if (blocked) {
      throw new TwinError(
        AmqpCondition.EntityDisabled,
        `Messaging entity '${entity.path}' is currently disabled${direction === 'send' ? ' for sending' : ' for receiving'}.`,
      );
    }
  }

  private validateSend(target: SendTarget, messages: readonly AmqpMessage[], sizes: readonly number[]): void {
    if (target.deleted) throw entityNotFound(target.path);
    this.assertStatus(target, 'send');
    if (target.kind === 'queue' && target.options.requiresSession) {
      for (const m of messages) {
        if (m.group_id === undefined || m.group_id === null) {
          throw new TwinError(
            AmqpCondition.NotAllowed,
            `The SessionId was not set on a message, and it cannot be sent to the entity '${target.path}'. Entities that have session support enabled can only receive messages that have the SessionId set to a valid value.`,
          );
        }
      }
    }
    const incoming = sizes.reduce((a, b) => a + b, 0);
    if (target.size.bytes + incoming > target.sendOptions.maxSizeBytes) {
      throw new TwinError(
        AmqpCondition.ResourceLimitExceeded,
        `The maximum entity size has been reached or exceeded for '${target.path}'. Size of entity in bytes:${target.size.bytes}, Max entity size in bytes: ${target.sendOptions.maxSizeBytes}.`,
      );
    }
  }

  /**
   * Sends messages (all validated before any is stored): assigns missing message ids, drops duplicates, schedules
   * messages that carry a future `x-opt-scheduled-enqueue-time`, fans topic messages out through the rules.
   */
  send(target: SendTarget, messages: readonly AmqpMessage[], hops = 0): void {
    const sizes = messages.map((m) => encodedSize(m));
    this.validateSend(target, messages, sizes);
    const now = this.clock.now();
    messages.forEach((original, i) => {
      const message = cloneMessage(original);
      if (message.message_id === undefined || message.message_id === null) {
        message.message_id = randomUUID().replace(/-/g, '');
      }
      const size = sizes[i] as number;
      if (target.duplicates !== undefined) {
        const id = idToString(message.message_id) as string;
        if (target.duplicates.isDuplicate(id, now)) return;
      }
      const at = scheduledTime(message);
      if (at !== undefined && at > now) {
        this.scheduleOne(target, message, size, at);
        return;
      }
      this.enqueue(target, message, size, hops);
    });
  }

  private enqueue(target: SendTarget, message: AmqpMessage, size: number, hops: number): void {
    if (target.kind === 'queue') {
      target.acceptIncoming(message, size, hops);
      return;
    }
    const now = this.clock.now();
    for (const sub of target.subscriptions.values()) {
      if (sub.deleted) continue;
      const copies = applyRules(sub.rules.values(), message, { enqueuedTimeUtc: now, size });
      for (const copy of copies) sub.acceptIncoming(cloneMessage(copy), size, hops);
    }
  }

  /** Auto-forwarding with the service's 4-hop limit; undeliverable messages go to the transfer dead-letter queue. */
  forward(
    from: ReceivableEntity,
    message: AmqpMessage,
    size: number,
    targetName: string,
    hops: number,
  ): void {
    const toTransferDlq = (reason: string, description: string): void => {
      const stored = newStoredMessage({
        seq: from.nextSeq++,
        amqp: {
          ...message,
          application_properties: {
            ...(message.application_properties ?? {}),
            DeadLetterReason: reason,
            DeadLetterErrorDescription: description,
          },
        },
        size,
        enqueuedAt: this.clock.now(),
        ttl: Number.POSITIVE_INFINITY,
      });
      stored.deadLetterSource = from.path;
      from.transferDeadLetterQueue.insert(stored);
    };
    if (hops >= 4) {
      toTransferDlq(
        'MaxTransferHopCountExceeded',
        'The message exceeded the maximum of 4 auto-forwarding hops.',
      );
      return;
    }
    const target = this.getQueue(targetName) ?? this.getTopic(targetName);
    if (target === undefined) {
      toTransferDlq(
        'TransferDestinationEntityNotFound',
        `The forwarding destination '${targetName}' does not exist.`,
      );
      return;
    }
    try {
      this.send(target, [message], hops + 1);
    } catch (error) {
      toTransferDlq('TransferFailed', error instanceof Error ? error.message : String(error));
    }
  }

  /** Schedules messages for their `x-opt-scheduled-enqueue-time`; returns their sequence numbers. */
  schedule(target: SendTarget, messages: readonly AmqpMessage[]): number[] {
    const sizes = messages.map((m) => encodedSize(m));
    this.validateSend(target, messages, sizes);
    const now = this.clock.now();
    return messages.map((original, i) => {
      const message = cloneMessage(original);
      if (message.message_id === undefined || message.message_id === null) {
        message.message_id = randomUUID().replace(/-/g, '');
      }
      return this.scheduleOne(target, message, sizes[i] as number, scheduledTime(message) ?? now);
    });
  }

  private scheduleOne(target: SendTarget, message: AmqpMessage, size: number, at: number): number {
    if (target.kind === 'queue') {
      const stored = newStoredMessage({
        seq: target.nextSeq++,
        amqp: message,
        size,
        enqueuedAt: at,
        ttl: effectiveTtl(message, target.options.defaultMessageTimeToLiveMs),
        state: 'scheduled',
      });
      target.active.insert(stored);
      const task = this.scheduler.schedule(at, () => {
        target.scheduled.delete(stored.seq);
        if (target.options.forwardTo !== undefined) {
          target.active.remove(stored);
          this.forward(target, stored.amqp, stored.size, target.options.forwardTo, 0);
          return;
        }
        target.active.activateScheduled(stored);
      });
      target.scheduled.set(stored.seq, { message: stored, task });
      return stored.seq;
    }
    const seq = target.nextSeq++;
    target.size.bytes += size;
    const task = this.scheduler.schedule(at, () => {
      target.scheduled.delete(seq);
      target.size.bytes -= size;
      if (!target.deleted) this.enqueue(target, message, size, 0);
    });
    target.scheduled.set(seq, { message, size, task });
    return seq;
  }

  /** Cancels scheduled messages; throws `com.microsoft:message-not-found` if any is not (or no longer) scheduled. */
  cancelScheduled(target: SendTarget, seqs: readonly number[]): void {
    for (const seq of seqs) {
      if (!target.scheduled.has(seq)) {
        throw new TwinError(
          AmqpCondition.MessageNotFound,
          `The scheduled message with sequence number ${seq} was not found in '${target.path}'.`,
        );
      }
    }
    for (const seq of seqs) {
      const entry = target.scheduled.get(seq);
      if (entry === undefined) continue;
      target.scheduled.delete(seq);
      this.scheduler.cancel(entry.task);
      if (target.kind === 'queue') target.active.remove((entry as { message: StoredMessage }).message);
      else target.size.bytes -= (entry as { size: number }).size;
    }
  }

  /** Every queue and subscription (the entities that store messages). */
  *receivables(): Generator<QueueEntity | SubscriptionEntity> {
    yield* this.queues.values();
    for (const topic of this.topics.values()) yield* topic.subscriptions.values();
  }

  /** Drops every entity and timer. */
  destroy(): void {
    for (const entity of this.receivables()) entity.destroy();
    for (const topic of this.topics.values()) {
      topic.deleted = true;
      for (const entry of topic.scheduled.values()) this.scheduler.cancel(entry.task);
      topic.scheduled.clear();
    }
  }
}
