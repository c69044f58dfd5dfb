/**
 * Provisioning: how the planned entities (see `topology.ts`) come to exist. Three provisioners share one interface:
 *
 * - `'admin'` (default): the SDK's `ServiceBusAdministrationClient` (HTTPS, the namespace's management endpoint).
 *   Creates what is missing; on existing entities updates the mutable settings and refuses, with a
 *   `ConfigurationError`, an immutable one that differs (sessions, duplicate detection).
 * - a twin-like object (`startServiceBusTwin()`'s result, or anything with its `createQueue`/`createTopic`/
 *   `createSubscription`/`addRule`/… methods): creates through that API (the twin has no management endpoint).
 * - `'verify'`: for namespaces whose entities are declared elsewhere (the official emulator's `Config.json`, ARM,
 *   Bicep): checks over AMQP that every entity exists and syncs the subscriptions' rules through the rule manager;
 *   a missing entity is a `NotFoundError` naming it.
 *
 * Rules are synced the same way everywhere: the subscription ends with exactly the `omnibus` and
 * `omnibus-redeliver` rules (`$Default` and stale rules removed, changed ones replaced, equal ones untouched).
 *
 * @example
 * ```ts
 * const manager = twinManager(twin);
 * await provisionEntities(manager, planEntities(topology));
 * ```
 * @module
 */
import type { ServiceBusAdministrationClient, ServiceBusClient } from '@azure/service-bus';
import { ConfigurationError, NotFoundError } from '../../core/errors.js';
import { toOmnibusError } from './errors.js';
import {
  DEFAULT_RULE_NAME,
  type EntityPlan,
  type QueueEntityOptions,
  type SqlRule,
  type SubscriptionEntityOptions,
  type TopicEntityOptions,
} from './topology.js';

/** A rule as a provisioner lists it (only SQL filters are compared; any other filter is replaced). */
export interface ListedRule {
  readonly name: string;
  readonly filter?: unknown;
}

/** Message counts of an entity. */
export interface EntityCounts {
  readonly activeMessageCount: number;
  readonly deadLetterMessageCount: number;
}

/**
 * The programmatic API of the Service Bus twin that provisioning uses (`twin/servicebus`'s `ServiceBusTwin` fits).
 *
 * @example
 * ```ts
 * const twin = await startServiceBusTwin({ port: 0 });
 * azure({ connectionString: twin.connectionString, provisioner: twin });
 * ```
 */
export interface ServiceBusTwinLike {
  queueExists(name: string): boolean;
  topicExists(name: string): boolean;
  subscriptionExists(topic: string, name: string): boolean;
  createQueue(name: string, options?: object): void;
  createTopic(name: string, options?: object): void;
  createSubscription(topic: string, name: string, options?: object): void;
  addRule(topic: string, subscription: string, rule: { name: string; filter?: unknown }): void;
  removeRule(topic: string, subscription: string, ruleName: string): void;
  listRules(topic: string, subscription: string): ListedRule[];
  /** Counts of `q` or `t/Subscriptions/s` (optional: without it the driver offers no `depth`). */
  getRuntimeProperties?(path: string): EntityCounts;
}

/** What the driver needs from a provisioner. */
export interface EntityManager {
  ensureQueue(name: string, options: QueueEntityOptions): Promise<void>;
  ensureTopic(name: string, options: TopicEntityOptions): Promise<void>;
  ensureSubscription(
    topic: string,
    name: string,
    options: SubscriptionEntityOptions,
    rules: readonly SqlRule[],
  ): Promise<void>;
  /** Counts of a queue (`topic` undefined) or subscription, when the provisioner can tell. */
  readonly counts?: ((name: string, subscription?: string) => Promise<EntityCounts>) | undefined;
  /** Runs after every entity was ensured (checks a manager deferred). */
  readonly finish?: (() => Promise<void>) | undefined;
}

/**
 * True when `value` looks like a {@link ServiceBusTwinLike}.
 *
 * @example
 * ```ts
 * isTwinLike(twin); // true
 * ```
 */
export function isTwinLike(value: unknown): value is ServiceBusTwinLike {
  const v = value as Partial<Record<keyof ServiceBusTwinLike, unknown>> | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.createQueue === 'function' &&
    typeof v.createTopic === 'function' &&
    typeof v.createSubscription === 'function' &&
    typeof v.queueExists === 'function' &&
    typeof v.listRules === 'function' &&
    typeof v.addRule === 'function' &&
    typeof v.removeRule === 'function'
  );
}

function sqlOf(filter: unknown): string | undefined {
  const f = filter as { sqlExpression?: unknown } | null | undefined;
  return typeof f?.sqlExpression === 'string' ? f.sqlExpression : undefined;
}

/**
 * Brings a subscription's rules to exactly `desired`: removes rules not desired (`$Default` included) or whose SQL
 * differs, adds the missing ones. Equal rules are left alone, so provisioning again changes nothing.
 *
 * @example
 * ```ts
 * await syncRules(existing, desired, { add, remove });
 * ```
 */
export async function syncRules(
  existing: readonly ListedRule[],
  desired: readonly SqlRule[],
  ops: { add(rule: SqlRule): Promise<void>; remove(name: string): Promise<void> },
): Promise<void> {
  const wanted = new Map(desired.map((r) => [r.name, r] as const));
  const kept = new Set<string>();
  // Add missing rules before removing `$Default` so the subscription never drops a message meanwhile.
  const stale: string[] = [];
  for (const rule of existing) {
    const want = wanted.get(rule.name);
    if (want && sqlOf(rule.filter) === want.filter.sqlExpression) kept.add(rule.name);
    else stale.push(rule.name);
  }
  const replaced = new Set(stale.filter((name) => wanted.has(name)));
  for (const name of replaced) await ops.remove(name);
  for (const rule of desired) if (!kept.has(rule.name)) await ops.add(rule);
  for (const name of stale) if (!replaced.has(name)) await ops.remove(name);
}

/**
 * A manager on a twin-like object.
 *
 * @example
 * ```ts
 * const manager = twinManager(await startServiceBusTwin({ port: 0 }));
 * ```
 */
export function twinManager(twin: ServiceBusTwinLike): EntityManager {
  const run = async <T>(what: string, entity: string, fn: () => T): Promise<T> => {
    try {
      return fn();
    } catch (error) {
      throw toOmnibusError(error, what, entity);
    }
  };
  return {
    async ensureQueue(name, options) {
      if (twin.queueExists(name)) return;
      await run('createQueue', `queue "${name}"`, () => twin.createQueue(name, { ...options }));
    },
    async ensureTopic(name, options) {
      if (twin.topicExists(name)) return;
      const { supportOrdering: _ignored, ...rest } = options;
      await run('createTopic', `topic "${name}"`, () => twin.createTopic(name, rest));
    },
    async ensureSubscription(topic, name, options, rules) {
      const entity = `subscription "${topic}/${name}"`;
      if (!twin.subscriptionExists(topic, name)) {
        await run('createSubscription', entity, () =>
          twin.createSubscription(topic, name, { ...options, rules: rules.map((r) => ({ ...r })) }),
        );
        return;
      }
      await syncRules(twin.listRules(topic, name), rules, {
        add: (rule) => run('addRule', entity, () => twin.addRule(topic, name, { ...rule })),
        remove: (rule) => run('removeRule', entity, () => twin.removeRule(topic, name, rule)),
      });
    },
    counts: twin.getRuntimeProperties
      ? async (name, subscription) => {
          const path = subscription === undefined ? name : `${name}/Subscriptions/${subscription}`;
          const entity =
            subscription === undefined ? `queue "${name}"` : `subscription "${name}/${subscription}"`;
          return run('getRuntimeProperties', entity, () => twin.getRuntimeProperties!(path));
        }
      : undefined,
  };
}

/**
 * ISO 8601 duration (days, hours, minutes, seconds) in seconds, for comparing what the service returns.
 *
 * @example
 * ```ts
 * durationSeconds('PT1M30S'); // 90
 * ```
 */
export function durationSeconds(iso: string | undefined): number | undefined {
  if (iso === undefined) return undefined;
  const m =
    /^P(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/i.exec(
      iso,
    );
  if (!m) return undefined;
  const n = (i: number) => Number(m[i] ?? 0);
  return ((n(1) * 24 + n(2)) * 60 + n(3)) * 60 + n(4);
}

type Existing = Record<string, unknown>;

function differs(existing: Existing, key: string, want: unknown): boolean {
  const have = existing[key];
  if (typeof want === 'string' && want.startsWith('P')) {
    return durationSeconds(String(have ?? '')) !== durationSeconds(want);
  }
  if (key.startsWith('forward')) {
    // The service reports forwarding targets as URLs; compare the entity name at the end.
    const name =
      String(have ?? '')
        .replace(/\/+$/, '')
        .split('/')
        .pop() ?? '';
    return name.toLowerCase() !== String(want ?? '').toLowerCase();
  }
  return have !== want;
}

function checkImmutable(
  existing: Existing,
  entity: string,
  want: Record<string, unknown>,
  keys: string[],
): void {
  for (const key of keys) {
    if (key in want && Boolean(existing[key]) !== Boolean(want[key])) {
      throw new ConfigurationError(
        entity,
        `exists with ${key}=${String(existing[key])} but the declaration needs ${String(want[key])}; Service Bus ` +
          'cannot change it: delete the entity (or use another name) and provision again',
      );
    }
  }
}

/**
 * A manager on the SDK's administration client.
 *
 * @example
 * ```ts
 * const manager = adminManager(new ServiceBusAdministrationClient(connectionString), secrets);
 * ```
 */
export function adminManager(
  admin: () => Promise<ServiceBusAdministrationClient>,
  secrets: readonly string[] = [],
): EntityManager {
  const call = async <T>(
    what: string,
    entity: string,
    fn: (c: ServiceBusAdministrationClient) => Promise<T>,
  ): Promise<T> => {
    const client = await admin();
    try {
      return await fn(client);
    } catch (error) {
      throw toOmnibusError(error, what, entity, { secrets });
    }
  };
  const isAlreadyExists = (error: unknown) =>
    (error as { code?: unknown })?.code === 'MessagingEntityAlreadyExists' ||
    (error as { statusCode?: unknown })?.statusCode === 409;
  const update = async (
    entity: string,
    get: (c: ServiceBusAdministrationClient) => Promise<Existing>,
    put: (c: ServiceBusAdministrationClient, merged: Existing) => Promise<unknown>,
    want: Record<string, unknown>,
    immutable: string[],
  ) => {
    const existing = await call('get', entity, get);
    checkImmutable(existing, entity, want, immutable);
    const changed = Object.keys(want).filter((k) => !immutable.includes(k) && differs(existing, k, want[k]));
    if (changed.length === 0) return;
    const merged: Existing = { ...existing };
    for (const k of changed) merged[k] = want[k];
    await call('update', entity, (c) => put(c, merged));
  };
  return {
    async ensureQueue(name, options) {
      const entity = `queue "${name}"`;
      const created = await call('createQueue', entity, async (c) => {
        if (await c.queueExists(name)) return false;
        try {
          await c.createQueue(name, options);
          return true;
        } catch (error) {
          if (isAlreadyExists(error)) return false;
          throw error;
        }
      });
      if (created) return;
      await update(
        entity,
        (c) => c.getQueue(name) as unknown as Promise<Existing>,
        (c, merged) => c.updateQueue(merged as never),
        { ...options },
        ['requiresSession', 'requiresDuplicateDetection', 'maxMessageSizeInKilobytes'],
      );
    },
    async ensureTopic(name, options) {
      const entity = `topic "${name}"`;
      const created = await call('createTopic', entity, async (c) => {
        if (await c.topicExists(name)) return false;
        try {
          await c.createTopic(name, options);
          return true;
        } catch (error) {
          if (isAlreadyExists(error)) return false;
          throw error;
        }
      });
      if (created) return;
      await update(
        entity,
        (c) => c.getTopic(name) as unknown as Promise<Existing>,
        (c, merged) => c.updateTopic(merged as never),
        { ...options },
        ['requiresDuplicateDetection', 'supportOrdering', 'maxMessageSizeInKilobytes'],
      );
    },
    async ensureSubscription(topic, name, options, rules) {
      const entity = `subscription "${topic}/${name}"`;
      const [first] = rules;
      const created = await call('createSubscription', entity, async (c) => {
        if (await c.subscriptionExists(topic, name)) return false;
        try {
          await c.createSubscription(topic, name, {
            ...options,
            ...(first ? { defaultRuleOptions: { name: first.name, filter: first.filter } } : {}),
          });
          return true;
        } catch (error) {
          if (isAlreadyExists(error)) return false;
          throw error;
        }
      });
      if (!created) {
        await update(
          entity,
          (c) => c.getSubscription(topic, name) as unknown as Promise<Existing>,
          (c, merged) => c.updateSubscription(merged as never),
          { ...options },
          ['requiresSession'],
        );
      }
      const existing = await call('listRules', entity, async (c) => {
        const out: ListedRule[] = [];
        for await (const rule of c.listRules(topic, name)) out.push({ name: rule.name, filter: rule.filter });
        return out;
      });
      await syncRules(existing, rules, {
        add: (rule) =>
          call('createRule', entity, (c) => c.createRule(topic, name, rule.name, rule.filter)).then(() => {}),
        remove: (rule) => call('deleteRule', entity, (c) => c.deleteRule(topic, name, rule)).then(() => {}),
      });
    },
    counts: async (name, subscription) => {
      if (subscription === undefined) {
        const p = await call('getQueueRuntimeProperties', `queue "${name}"`, (c) =>
          c.getQueueRuntimeProperties(name),
        );
        return { activeMessageCount: p.activeMessageCount, deadLetterMessageCount: p.deadLetterMessageCount };
      }
      const p = await call(
        'getSubscriptionRuntimeProperties',
        `subscription "${name}/${subscription}"`,
        (c) => c.getSubscriptionRuntimeProperties(name, subscription),
      );
      return { activeMessageCount: p.activeMessageCount, deadLetterMessageCount: p.deadLetterMessageCount };
    },
  };
}

/**
 * A manager that creates nothing: it checks over AMQP that each entity exists (a peek on it answers
 * `MessagingEntityNotFound` otherwise) and syncs subscription rules through the SDK's rule manager.
 *
 * @example
 * ```ts
 * const manager = verifyManager(() => Promise.resolve(client), secrets);
 * ```
 */
export function verifyManager(
  client: () => Promise<ServiceBusClient>,
  secrets: readonly string[] = [],
): EntityManager {
  const exists = async (
    entity: string,
    open: (c: ServiceBusClient) => { peekMessages(n: number): Promise<unknown>; close(): Promise<void> },
  ) => {
    const c = await client();
    const receiver = open(c);
    try {
      await receiver.peekMessages(1);
    } catch (error) {
      const mapped = toOmnibusError(error, 'peek', entity, { secrets });
      if (NotFoundError.isInstance(mapped)) {
        throw new NotFoundError(entity, {
          cause: new Error(
            'provisioner "verify" creates nothing: declare the entity where the namespace is configured ' +
              "(the emulator's Config.json, ARM/Bicep) or use the 'admin' provisioner",
          ),
        });
      }
      throw mapped;
    } finally {
      await receiver.close().catch(() => undefined);
    }
  };
  // A subscription that exists proves its topic does; topics without one are checked at the end (attaching a sender).
  const unverifiedTopics = new Set<string>();
  return {
    async ensureQueue(name) {
      await exists(`queue "${name}"`, (c) => c.createReceiver(name));
    },
    async ensureTopic(name) {
      unverifiedTopics.add(name);
    },
    async ensureSubscription(topic, name, _options, rules) {
      const entity = `subscription "${topic}/${name}"`;
      await exists(entity, (c) => c.createReceiver(topic, name));
      unverifiedTopics.delete(topic);
      const c = await client();
      const manager = c.createRuleManager(topic, name);
      try {
        const existing: ListedRule[] = [];
        for await (const rule of manager.listRules()) existing.push({ name: rule.name, filter: rule.filter });
        await syncRules(existing, rules, {
          add: async (rule) => {
            await manager.createRule(rule.name, rule.filter);
          },
          remove: async (rule) => {
            await manager.deleteRule(rule);
          },
        });
      } catch (error) {
        throw toOmnibusError(error, 'rules', entity, { secrets });
      }
    },
    async finish() {
      const c = await client();
      for (const name of [...unverifiedTopics]) {
        // A topic cannot be peeked; attaching a sender fails for a missing topic.
        const sender = c.createSender(name);
        try {
          await sender.createMessageBatch();
        } catch (error) {
          throw toOmnibusError(error, 'attach', `topic "${name}"`, { secrets });
        } finally {
          await sender.close().catch(() => undefined);
        }
        unverifiedTopics.delete(name);
      }
    },
    counts: undefined,
  };
}

/**
 * Creates (or checks) every planned entity, in order: queues (forwarding targets first), topics, subscriptions.
 *
 * @example
 * ```ts
 * await provisionEntities(manager, planEntities(topology));
 * ```
 */
export async function provisionEntities(manager: EntityManager, plan: EntityPlan): Promise<void> {
  for (const q of plan.queues) await manager.ensureQueue(q.name, q.options);
  for (const t of plan.topics) await manager.ensureTopic(t.name, t.options);
  for (const s of plan.subscriptions) await manager.ensureSubscription(s.topic, s.name, s.options, s.rules);
  await manager.finish?.();
}

export { DEFAULT_RULE_NAME };
