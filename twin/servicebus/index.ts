/**
 * Azure Service Bus twin: a Docker-free AMQP 1.0 server that the real `@azure/service-bus` SDK talks to over a
 * socket. Start it with {@link startServiceBusTwin}, point a `ServiceBusClient` at `twin.connectionString`.
 *
 * @example
 * ```ts
 * import { ServiceBusClient } from '@azure/service-bus';
 * import { startServiceBusTwin } from './twin/servicebus/index.js';
 *
 * const twin = await startServiceBusTwin({ port: 0, entities: { queues: [{ name: 'orders' }] } });
 * const client = new ServiceBusClient(twin.connectionString);
 * await client.createSender('orders').sendMessages({ body: 'hello' });
 * await client.close();
 * await twin.close();
 * ```
 */
import type { SasKey } from './cbs.js';
import type { QueueOptions, SubscriptionOptions, TopicOptions, TwinConfig } from './config.js';
import { Broker, type EntityDefaults, type RuntimeProperties } from './entities.js';
import { entityNotFound } from './errors.js';
import type { RuleDefinition } from './rules.js';
import { type Clock, Scheduler, systemClock } from './scheduler.js';
import { AmqpServer, type ServerStats, type TwinLogger } from './server.js';
import type { StoreStats } from './store.js';

export { createSasToken, type SasKey } from './cbs.js';
export {
  type Duration,
  durationToMs,
  type EntityStatus,
  fromEmulatorConfig,
  loadConfigFile,
  type QueueOptions,
  type SubscriptionOptions,
  type TopicOptions,
  type TwinConfig,
} from './config.js';
export type { CorrelationFilterSpec } from './correlation-filter.js';
export type { EntityDefaults, RuntimeProperties } from './entities.js';
export { AmqpCondition, type AmqpConditionValue, TwinError } from './errors.js';
export type { RuleDefinition, RuleFilterDefinition } from './rules.js';
export { type Clock, systemClock } from './scheduler.js';
export type { ServerStats, TwinLogger } from './server.js';
export { parseSqlFilter, parseSqlRuleAction, SqlSyntaxError } from './sql-filter.js';

/**
 * Service tier, which sets the default maximum message size.
 *
 * @example
 * ```ts
 * await startServiceBusTwin({ tier: 'premium' });
 * ```
 */
export type ServiceBusTier = 'standard' | 'premium';

/**
 * Default maximum message size per tier (standard 256 KB, premium 1 MB).
 *
 * @example
 * ```ts
 * TIER_MAX_MESSAGE_BYTES.standard; // 262144
 * ```
 */
export const TIER_MAX_MESSAGE_BYTES: Record<ServiceBusTier, number> = {
  standard: 256 * 1024,
  premium: 1024 * 1024,
};

/**
 * The emulator's well-known key (what the official emulator's connection string uses).
 *
 * @example
 * ```ts
 * await startServiceBusTwin({ sasKey: DEFAULT_SAS_KEY }); // check signatures made with the well-known key
 * ```
 */
export const DEFAULT_SAS_KEY: SasKey = { name: 'RootManageSharedAccessKey', key: 'SAS_KEY_VALUE' };

/**
 * Options of {@link startServiceBusTwin}.
 *
 * @example
 * ```ts
 * await startServiceBusTwin({ port: 5672, tier: 'premium', entities: await loadConfigFile('Config.json') });
 * ```
 */
export interface ServiceBusTwinOptions {
  /** Interface to listen on (default `127.0.0.1`). */
  host?: string;
  /** Port (default 5672; `0` picks a free port). */
  port?: number;
  /** Entities to create at start. */
  entities?: TwinConfig;
  /** Tier: `standard` (256 KB messages, the default) or `premium` (1 MB, per-entity up to 100 MB). */
  tier?: ServiceBusTier;
  /** Overrides the tier's maximum message size (bytes) for entities without `maxMessageSizeInKilobytes`. */
  maxMessageBytes?: number;
  /** When set, `$cbs` put-token checks SAS signatures against this key; otherwise any token is accepted. */
  sasKey?: SasKey;
  /** Key placed in `connectionString` when `sasKey` is not set (default {@link DEFAULT_SAS_KEY}). */
  connectionStringKey?: SasKey;
  /** Time source (default: the wall clock). Call `twin.tick()` after moving a fake clock. */
  clock?: Clock;
  /** Default lock duration of entities that set none (default 60 000 ms). */
  lockDurationMs?: number;
  /** Other entity defaults. */
  defaults?: Partial<EntityDefaults>;
  /** Create unknown queues (and topic/subscription pairs) when a link attaches to them. */
  autoCreate?: boolean;
  /** Diagnostics sink (default: silent). */
  logger?: TwinLogger;
}

/**
 * Counts of what the twin holds — for memory-growth checks.
 *
 * @example
 * ```ts
 * const s = twin.stats();
 * expect(s.messages + s.locks + s.timers).toBe(0);
 * ```
 */
export interface TwinStats extends ServerStats {
  queues: number;
  topics: number;
  subscriptions: number;
  /** Messages held in all sub-queues (active, deferred, scheduled on queues, dead-lettered). */
  messages: number;
  /** Messages waiting to be delivered. */
  available: number;
  /** Peek-locked messages. */
  locks: number;
  deferred: number;
  /** Scheduled messages (on queues and topics). */
  scheduled: number;
  /** Session records (locked sessions, sessions with state or messages). */
  sessions: number;
  /** Entries of the per-store sequence indexes. */
  indexEntries: number;
  /** Remembered message ids of duplicate detection (bounded by the window). */
  duplicateIds: number;
  /** Pending timers (locks, TTLs, schedules, session locks, waits). */
  timers: number;
  /** Bytes held. */
  bytes: number;
}

/**
 * A running twin.
 *
 * @example
 * ```ts
 * const twin = await startServiceBusTwin({ port: 0 });
 * twin.createQueue('jobs', { maxDeliveryCount: 3 });
 * twin.createTopic('events');
 * twin.createSubscription('events', 'eu', { rules: [{ name: 'eu', filter: { sqlExpression: "region = 'eu'" } }] });
 * ```
 */
export interface ServiceBusTwin {
  readonly host: string;
  readonly port: number;
  /** `Endpoint=sb://HOST:PORT;SharedAccessKeyName=…;SharedAccessKey=…;UseDevelopmentEmulator=true` */
  readonly connectionString: string;
  createQueue(name: string, options?: QueueOptions): void;
  createTopic(name: string, options?: TopicOptions): void;
  createSubscription(topic: string, name: string, options?: SubscriptionOptions): void;
  addRule(topic: string, subscription: string, rule: RuleDefinition): void;
  removeRule(topic: string, subscription: string, ruleName: string): void;
  listRules(topic: string, subscription: string): RuleDefinition[];
  deleteQueue(name: string): void;
  deleteTopic(name: string): void;
  deleteSubscription(topic: string, name: string): void;
  queueExists(name: string): boolean;
  topicExists(name: string): boolean;
  subscriptionExists(topic: string, name: string): boolean;
  /** Message counts of a queue, topic or subscription path (`q`, `t`, `t/Subscriptions/s`). */
  getRuntimeProperties(path: string): RuntimeProperties;
  /** Test hook: drops every client connection (abruptly, or with an AMQP close when `graceful`). */
  dropConnections(options?: { graceful?: boolean }): number;
  /** Counts of stored messages, locks, timers, links… */
  stats(): TwinStats;
  /** Runs every timer that is due per the configured clock (useful with a fake clock). */
  tick(): void;
  /** Closes all connections and the listener, and cancels every timer. */
  close(): Promise<void>;
}

/**
 * Starts a Service Bus twin.
 *
 * @example
 * ```ts
 * const twin = await startServiceBusTwin({
 *   port: 0,
 *   lockDurationMs: 2000,
 *   entities: { queues: [{ name: 'q', maxDeliveryCount: 3 }], topics: [{ name: 't', subscriptions: [{ name: 's' }] }] },
 * });
 * console.log(twin.connectionString);
 * ```
 */
export async function startServiceBusTwin(options: ServiceBusTwinOptions = {}): Promise<ServiceBusTwin> {
  const host = options.host ?? '127.0.0.1';
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? {};
  const scheduler = new Scheduler(clock, (error) =>
    logger.error?.(
      `timer failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    ),
  );
  const defaults: EntityDefaults = {
    lockDurationMs: options.lockDurationMs ?? 60_000,
    maxDeliveryCount: 10,
    defaultMessageTimeToLiveMs: Number.POSITIVE_INFINITY,
    duplicateDetectionWindowMs: 10 * 60_000,
    maxSizeBytes: 1024 * 1024 * 1024,
    ...options.defaults,
  };
  if (options.lockDurationMs !== undefined) defaults.lockDurationMs = options.lockDurationMs;
  const maxMessageBytes = options.maxMessageBytes ?? TIER_MAX_MESSAGE_BYTES[options.tier ?? 'standard'];
  let server: AmqpServer | undefined;
  const broker = new Broker({
    clock,
    scheduler,
    defaults,
    maxMessageBytes,
    events: {
      messagesAvailable: (store) => server?.messagesAvailable(store),
      entityDeleted: (entity) => server?.entityDeleted(entity),
    },
  });
  for (const queue of options.entities?.queues ?? []) {
    const { name, ...queueOptions } = queue;
    broker.createQueue(name, queueOptions);
  }
  for (const topic of options.entities?.topics ?? []) {
    const { name, subscriptions, ...topicOptions } = topic;
    broker.createTopic(name, topicOptions);
    for (const sub of subscriptions ?? []) {
      const { name: subName, ...subOptions } = sub;
      broker.createSubscription(name, subName, subOptions);
    }
  }
  server = new AmqpServer({
    broker,
    clock,
    scheduler,
    sasKey: options.sasKey,
    autoCreate: options.autoCreate ?? false,
    logger,
    containerId: `sb-twin-${process.pid}`,
  });
  const amqpServer = server;
  let port: number;
  try {
    port = await amqpServer.listen(host, options.port ?? 5672);
  } catch (error) {
    scheduler.close();
    broker.destroy();
    throw error;
  }
  const key = options.sasKey ?? options.connectionStringKey ?? DEFAULT_SAS_KEY;
  const endpointHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  const hostPart = endpointHost.includes(':') ? `[${endpointHost}]` : endpointHost;
  const connectionString = `Endpoint=sb://${hostPart}:${port};SharedAccessKeyName=${key.name};SharedAccessKey=${key.key};UseDevelopmentEmulator=true`;
  let closed = false;

  const stats = (): TwinStats => {
    const totals: StoreStats = {
      messages: 0,
      available: 0,
      locked: 0,
      deferred: 0,
      scheduled: 0,
      sessions: 0,
      bytes: 0,
      indexEntries: 0,
    };
    let subscriptions = 0;
    for (const entity of broker.receivables()) {
      if (entity.kind === 'subscription') subscriptions++;
      for (const store of [entity.active, entity.deadLetterQueue, entity.transferDeadLetterQueue]) {
        const s = store.stats();
        for (const k of Object.keys(totals) as Array<keyof StoreStats>) totals[k] += s[k];
      }
    }
    let duplicateIds = 0;
    let topicScheduled = 0;
    const now = clock.now();
    for (const entity of [...broker.queues.values(), ...broker.topics.values()]) {
      entity.duplicates?.prune(now);
      duplicateIds += entity.duplicates?.size ?? 0;
    }
    for (const topic of broker.topics.values()) topicScheduled += topic.scheduled.size;
    return {
      ...amqpServer.stats(),
      queues: broker.queues.size,
      topics: broker.topics.size,
      subscriptions,
      messages: totals.messages,
      available: totals.available,
      locks: totals.locked,
      deferred: totals.deferred,
      scheduled: totals.scheduled + topicScheduled,
      sessions: totals.sessions,
      indexEntries: totals.indexEntries,
      duplicateIds,
      timers: scheduler.size,
      bytes: totals.bytes,
    };
  };

  return {
    host: endpointHost,
    port,
    connectionString,
    createQueue: (name, queueOptions) => {
      broker.createQueue(name, queueOptions);
    },
    createTopic: (name, topicOptions) => {
      broker.createTopic(name, topicOptions);
    },
    createSubscription: (topic, name, subOptions) => {
      broker.createSubscription(topic, name, subOptions);
    },
    addRule: (topic, subscription, rule) =>
      broker.addRule(broker.requireSubscription(topic, subscription), rule),
    removeRule: (topic, subscription, ruleName) =>
      broker.removeRule(broker.requireSubscription(topic, subscription), ruleName),
    listRules: (topic, subscription) => broker.listRules(broker.requireSubscription(topic, subscription)),
    deleteQueue: (name) => broker.deleteQueue(name),
    deleteTopic: (name) => broker.deleteTopic(name),
    deleteSubscription: (topic, name) => broker.deleteSubscription(topic, name),
    queueExists: (name) => broker.getQueue(name) !== undefined,
    topicExists: (name) => broker.getTopic(name) !== undefined,
    subscriptionExists: (topic, name) => broker.getSubscription(topic, name) !== undefined,
    getRuntimeProperties: (path) => {
      const resolved = broker.resolve(path);
      if (resolved === undefined || resolved.management || resolved.subQueue !== 'active')
        throw entityNotFound(path);
      return resolved.entity.runtime();
    },
    dropConnections: (dropOptions) => amqpServer.dropConnections(dropOptions?.graceful ?? false),
    stats,
    tick: () => scheduler.runDue(),
    close: async () => {
      if (closed) return;
      closed = true;
      await amqpServer.close();
      scheduler.close();
      broker.destroy();
    },
  };
}
