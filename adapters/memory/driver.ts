/**
 * The in-memory broker: a twin with real broker semantics (leases and redelivery with delivery counts, native
 * dead-lettering after max deliveries, delays, FIFO groups, a dedup window, fan-out with server-side filters,
 * retention), an injectable clock, fault injection, and strict limits by default. Every operation costs O(1) or
 * O(log n) per message; nothing scans a queue.
 *
 * The broker outlives its clients: `close()` ends receivers, pending receives and timers, but the messages stay, so
 * a test can open new receivers on the same driver to play a restarted consumer. `reset()` forgets everything.
 *
 * @example
 * ```ts
 * import { createBus, defineQueue } from 'omnibus';
 * import { memory, VirtualClock } from 'omnibus/memory';
 *
 * const clock = new VirtualClock();
 * const driver = memory({ clock });
 * const billing = defineQueue('billing');
 * const bus = createBus({ adapter: driver, clock, declarations: [billing] });
 * await bus.provision();
 * await bus.send(billing, { orderId: 'o-1' });
 * driver.inspect('billing'); // { ready: 1, inFlight: 0, delayed: 0, total: 1 }
 * ```
 * @module
 */
import { randomUUID } from 'node:crypto';
import type { Attributes, AttributeValue } from '../../core/attributes.js';
import { type Clock, systemClock } from '../../core/clock.js';
import {
  type Capabilities,
  DRIVER_SPEC_VERSION,
  type Driver,
  type DriverMessage,
  type Limits,
  type QueueSpec,
  type ReceiverOptions,
  type SendOutcome,
  type SourceSpec,
  type SubscriptionSpec,
  type TargetSpec,
  type TopicSpec,
  type Topology,
} from '../../core/driver.js';
import { ConfigurationError, NotFoundError, type OmnibusError, ValidationError } from '../../core/errors.js';
import { matchesFilter } from '../../core/filter.js';
import { checkBatch, messageProblem, secondsProblem } from './checks.js';
import { DedupWindow } from './dedup.js';
import { FaultState, type MemoryFaults } from './faults.js';
import {
  DEFAULT_MEMORY_LIMITS,
  MAX_DEDUP_WINDOW_SECONDS,
  MAX_DELAY_SECONDS,
  MAX_LEASE_SECONDS,
  MAX_MAX_DELIVERIES,
  MEMORY_PROVIDER,
  MIN_DEDUP_WINDOW_SECONDS,
  MIN_LEASE_SECONDS,
  MIN_MAX_DELIVERIES,
  memoryCapabilities,
} from './limits.js';
import { seededRandom } from './random.js';
import { MemoryReceiver } from './receiver.js';
import { type EntityCounts, Store, type StoreHost, type StoreSettings } from './store.js';

/**
 * Options of {@link memory}.
 *
 * @example
 * ```ts
 * const options: MemoryOptions = { clock: new VirtualClock(), nativeDeadLetter: false, seed: 7 };
 * ```
 */
export interface MemoryOptions {
  /** Time source; default the system clock. Pass a `VirtualClock` in tests (and the same one to `createBus`). */
  readonly clock?: Clock;
  /** Overrides of the strict default limits (see `DEFAULT_MEMORY_LIMITS`). */
  readonly limits?: Partial<Limits>;
  /**
   * Default true: deliveries carry `deadLetter` (native dead-lettering with a reason, like Service Bus). False:
   * redrive-only (like SQS and Pub/Sub), so the bus's copy-then-ack path is exercised. The broker's own
   * max-deliveries move happens in both modes.
   */
  readonly nativeDeadLetter?: boolean;
  /**
   * Default false: sending to, receiving from or inspecting an entity that was not provisioned fails with
   * NotFoundError. True: missing entities are created from the spec given.
   */
  readonly autoProvision?: boolean;
  /** Random source for fault rates; default a generator seeded with `seed`. */
  readonly random?: () => number;
  /** Seed of the default random source (default 1), so faults repeat from run to run. */
  readonly seed?: number;
}

/**
 * Queues, topics and subscriptions a memory driver holds.
 *
 * @example
 * ```ts
 * driver.entities(); // { queues: ['billing', 'billing-dlq'], topics: ['placed'], subscriptions: ['placed/email'] }
 * ```
 */
export interface MemoryEntities {
  readonly queues: readonly string[];
  readonly topics: readonly string[];
  /** As `topic/subscription`. */
  readonly subscriptions: readonly string[];
}

/**
 * The memory driver: a {@link Driver} plus test controls.
 *
 * @example
 * ```ts
 * const driver: MemoryDriver = memory({ clock });
 * driver.faults.loseAcks(0.1);
 * driver.inspect('placed/email'); // { ready, inFlight, delayed, total }
 * ```
 */
export interface MemoryDriver extends Driver {
  /** Fault injection: duplicates, lost acks, failed sends, crashed consumers. */
  readonly faults: MemoryFaults;
  /** The clock the broker runs on. */
  readonly clock: Clock;
  /**
   * Message counts of a queue (its name) or subscription (`topic/sub`), exact and O(1). Throws NotFoundError for an
   * unknown path.
   */
  inspect(path: string): EntityCounts;
  /**
   * Drops every message of a queue or subscription (settings and receivers stay; deliveries already handed out
   * throw LEASE_LOST). Returns how many were dropped.
   */
  purge(path: string): number;
  /** Forgets every entity and message (faults stay; see `faults.clear()`). */
  reset(): void;
  /** Names of what is provisioned. */
  entities(): MemoryEntities;
}

interface TopicSettings {
  readonly name: string;
  readonly ordered: boolean;
  readonly dedupWindowSeconds: number | undefined;
}

interface Topic {
  settings: TopicSettings;
  readonly subscriptions: Map<string, Store>;
  readonly dedup: DedupWindow;
}

const EMPTY_ATTRIBUTES: Attributes = Object.freeze({});

function copyAttributes(attributes: Attributes | undefined): { attributes: Attributes; hasBytes: boolean } {
  let empty = true;
  let hasBytes = false;
  for (const key in attributes) {
    empty = false;
    if (attributes[key] instanceof Uint8Array) hasBytes = true;
  }
  if (empty || attributes === undefined) return { attributes: EMPTY_ATTRIBUTES, hasBytes: false };
  if (!hasBytes) return { attributes: Object.freeze({ ...attributes }), hasBytes };
  const out: Record<string, AttributeValue> = {};
  for (const key in attributes) {
    const v = attributes[key] as AttributeValue;
    out[key] = v instanceof Uint8Array ? v.slice() : v;
  }
  return { attributes: Object.freeze(out), hasBytes };
}

function resolveLimits(overrides: Partial<Limits> | undefined): Limits {
  const limits = { ...DEFAULT_MEMORY_LIMITS, ...overrides };
  for (const [key, value] of Object.entries(limits)) {
    if (typeof value === 'number' && !(value > 0)) {
      throw new ConfigurationError(`limits.${key}`, `must be a positive number, got ${value}`);
    }
  }
  if (!(limits.attributeNamePattern instanceof RegExp)) {
    throw new ConfigurationError('limits.attributeNamePattern', 'must be a RegExp');
  }
  return Object.freeze(limits);
}

function check(problem: OmnibusError | undefined): void {
  if (problem) throw problem;
}

function checkSpec(spec: QueueSpec | SubscriptionSpec | TopicSpec): void {
  const where =
    spec.kind === 'subscription'
      ? `subscription "${spec.topic}/${spec.name}"`
      : `${spec.kind} "${spec.name}"`;
  if (spec.kind !== 'subscription' && spec.dedupWindowSeconds !== undefined) {
    check(
      secondsProblem(
        `${where}.dedupWindowSeconds`,
        spec.dedupWindowSeconds,
        MIN_DEDUP_WINDOW_SECONDS,
        MAX_DEDUP_WINDOW_SECONDS,
        MEMORY_PROVIDER,
      ),
    );
  }
  if (spec.kind === 'topic') return;
  check(
    secondsProblem(
      `${where}.leaseSeconds`,
      spec.leaseSeconds,
      MIN_LEASE_SECONDS,
      MAX_LEASE_SECONDS,
      MEMORY_PROVIDER,
    ),
  );
  if (!(spec.retentionSeconds > 0)) {
    throw new ValidationError(`${where}.retentionSeconds`, [
      { message: `must be a positive number, got ${String(spec.retentionSeconds)}` },
    ]);
  }
  if (spec.kind === 'queue') {
    check(secondsProblem(`${where}.delaySeconds`, spec.delaySeconds, 0, MAX_DELAY_SECONDS, MEMORY_PROVIDER));
  }
  const max = spec.maxDeliveries;
  if (max !== undefined && (!Number.isInteger(max) || max < MIN_MAX_DELIVERIES || max > MAX_MAX_DELIVERIES)) {
    throw new ValidationError(`${where}.maxDeliveries`, [
      {
        message: `must be a whole number from ${MIN_MAX_DELIVERIES} to ${MAX_MAX_DELIVERIES}, got ${String(max)}`,
      },
    ]);
  }
}

function queueSettings(spec: QueueSpec): StoreSettings {
  return {
    path: spec.name,
    kind: 'queue',
    ordered: spec.ordered,
    leaseSeconds: spec.leaseSeconds,
    retentionSeconds: spec.retentionSeconds,
    delaySeconds: spec.delaySeconds,
    maxDeliveries: spec.maxDeliveries,
    deadLetterQueue: spec.deadLetterQueue,
    dedupWindowSeconds: spec.dedupWindowSeconds,
    filter: undefined,
  };
}

function subscriptionSettings(spec: SubscriptionSpec): StoreSettings {
  return {
    path: `${spec.topic}/${spec.name}`,
    kind: 'subscription',
    ordered: spec.ordered,
    leaseSeconds: spec.leaseSeconds,
    retentionSeconds: spec.retentionSeconds,
    delaySeconds: 0,
    maxDeliveries: spec.maxDeliveries,
    deadLetterQueue: spec.deadLetterQueue,
    dedupWindowSeconds: undefined,
    filter: spec.filter,
  };
}

/** Settings of a dead-letter queue created on demand (autoProvision): like core's automatic `<name>-dlq`. */
function deadLetterSettings(name: string, ordered: boolean): StoreSettings {
  return {
    path: name,
    kind: 'queue',
    ordered,
    leaseSeconds: 30,
    retentionSeconds: 14 * 24 * 3600,
    delaySeconds: 0,
    maxDeliveries: undefined,
    deadLetterQueue: undefined,
    dedupWindowSeconds: undefined,
    filter: undefined,
  };
}

function orderingChanged(kind: string, path: string): ConfigurationError {
  return new ConfigurationError(
    `${kind} "${path}".ordered`,
    'ordering of an existing entity cannot change (like SQS FIFO queues and Service Bus sessions)',
  );
}

class MemoryBroker implements MemoryDriver {
  readonly specVersion = DRIVER_SPEC_VERSION;
  readonly capabilities: Capabilities;
  readonly clock: Clock;
  readonly faults: FaultState;
  readonly #autoProvision: boolean;
  readonly #host: StoreHost;
  readonly #queues = new Map<string, Store>();
  readonly #topics = new Map<string, Topic>();
  readonly #receivers = new Set<MemoryReceiver>();

  constructor(options: MemoryOptions) {
    const nativeDeadLetter = options.nativeDeadLetter ?? true;
    this.capabilities = memoryCapabilities(resolveLimits(options.limits), nativeDeadLetter);
    this.clock = options.clock ?? systemClock;
    this.#autoProvision = options.autoProvision ?? false;
    const random = options.random ?? seededRandom(options.seed ?? 1);
    this.faults = new FaultState(random, (path) => this.#crash(path));
    this.#host = {
      clock: this.clock,
      caps: this.capabilities,
      faults: this.faults,
      nativeDeadLetter,
      deadLetterStore: (name) => this.#deadLetterStore(name),
    };
  }

  async provision(topology: Topology): Promise<void> {
    for (const spec of topology.queues) checkSpec(spec);
    for (const spec of topology.topics) checkSpec(spec);
    for (const spec of topology.subscriptions) checkSpec(spec);
    for (const spec of topology.queues) {
      const existing = this.#queues.get(spec.name);
      if (existing && existing.settings.ordered !== spec.ordered) throw orderingChanged('queue', spec.name);
    }
    for (const spec of topology.topics) {
      const existing = this.#topics.get(spec.name);
      if (existing && existing.settings.ordered !== spec.ordered) throw orderingChanged('topic', spec.name);
    }
    for (const spec of topology.subscriptions) {
      const topic = this.#topics.get(spec.topic);
      const known = topology.topics.some((t) => t.name === spec.topic);
      if (!topic && !known && !this.#autoProvision) throw new NotFoundError(`topic "${spec.topic}"`);
      const existing = topic?.subscriptions.get(spec.name);
      if (existing && existing.settings.ordered !== spec.ordered) {
        throw orderingChanged('subscription', `${spec.topic}/${spec.name}`);
      }
    }
    for (const spec of topology.queues) this.#upsertQueue(queueSettings(spec));
    for (const spec of topology.topics) this.#upsertTopic(spec);
    for (const spec of topology.subscriptions) {
      const topic = this.#topicFor(spec.topic, spec.ordered);
      const settings = subscriptionSettings(spec);
      const existing = topic.subscriptions.get(spec.name);
      if (existing) {
        existing.settings = settings;
        existing.changed();
      } else {
        topic.subscriptions.set(spec.name, new Store(settings, this.#host));
      }
    }
  }

  async send(target: TargetSpec, messages: readonly DriverMessage[]): Promise<SendOutcome[]> {
    checkBatch(messages, this.capabilities);
    if (target.kind === 'queue') {
      const store =
        this.#queues.get(target.name) ??
        (this.#autoProvision ? this.#upsertQueue(queueSettings(target)) : undefined);
      if (!store) return this.#notFound(messages, `queue "${target.name}"`);
      const outcomes = messages.map((m) => this.#enqueue(store, m, true));
      store.changed();
      return outcomes;
    }
    const topic =
      this.#topics.get(target.name) ?? (this.#autoProvision ? this.#upsertTopic(target) : undefined);
    if (!topic) return this.#notFound(messages, `topic "${target.name}"`);
    const outcomes = messages.map((m) => this.#publish(topic, m));
    for (const sub of topic.subscriptions.values()) sub.changed();
    return outcomes;
  }

  openReceiver(source: SourceSpec, options: ReceiverOptions): MemoryReceiver {
    const { minSeconds, maxSeconds } = this.capabilities.lease;
    check(secondsProblem('leaseSeconds', options.leaseSeconds, minSeconds, maxSeconds, MEMORY_PROVIDER));
    const receiver = new MemoryReceiver(
      () => this.#sourceStore(source),
      options.leaseSeconds,
      this.capabilities.limits.maxReceiveCount,
      (r) => this.#receivers.delete(r),
    );
    this.#receivers.add(receiver);
    return receiver;
  }

  async redeliver(source: SourceSpec, messages: readonly DriverMessage[]): Promise<SendOutcome[]> {
    checkBatch(messages, this.capabilities);
    let store: Store;
    try {
      store = this.#sourceStore(source);
    } catch (error) {
      if (NotFoundError.isInstance(error)) return this.#notFound(messages, error.entity);
      throw error;
    }
    const outcomes = messages.map((m) => this.#enqueue(store, m, false));
    store.changed();
    return outcomes;
  }

  async depth(source: SourceSpec): Promise<number> {
    const counts = this.#sourceStore(source).counts();
    return counts.ready + counts.delayed;
  }

  inspect(path: string): EntityCounts {
    return this.#storeAt(path).counts();
  }

  purge(path: string): number {
    const old = this.#storeAt(path);
    const dropped = old.counts().total;
    const fresh = new Store(old.settings, this.#host);
    const slash = path.indexOf('/');
    if (slash < 0) this.#queues.set(path, fresh);
    else this.#topics.get(path.slice(0, slash))?.subscriptions.set(path.slice(slash + 1), fresh);
    old.detach();
    return dropped;
  }

  reset(): void {
    for (const store of this.#stores()) store.detach();
    this.#queues.clear();
    this.#topics.clear();
  }

  entities(): MemoryEntities {
    const subscriptions: string[] = [];
    for (const [name, topic] of this.#topics)
      for (const sub of topic.subscriptions.keys()) subscriptions.push(`${name}/${sub}`);
    return { queues: [...this.#queues.keys()], topics: [...this.#topics.keys()], subscriptions };
  }

  async close(): Promise<void> {
    for (const receiver of [...this.#receivers]) await receiver.close();
    for (const store of this.#stores()) store.suspend();
  }

  // ---- internals ----

  *#stores(): Iterable<Store> {
    yield* this.#queues.values();
    for (const topic of this.#topics.values()) yield* topic.subscriptions.values();
  }

  #notFound(messages: readonly DriverMessage[], entity: string): SendOutcome[] {
    return messages.map(() => ({ ok: false, error: new NotFoundError(entity) }));
  }

  /** Checks, injected failure, dedup, then the enqueue; one outcome. */
  #enqueue(store: Store, m: DriverMessage, dedup: boolean): SendOutcome {
    const problem = messageProblem(m, this.capabilities, store.settings) ?? this.faults.takeSendFailure();
    if (problem) return { ok: false, error: problem };
    const window = dedup ? store.settings.dedupWindowSeconds : undefined;
    const now = this.clock.now();
    if (window !== undefined && m.dedupId !== undefined) {
      const first = store.dedup.lookup(m.dedupId, now);
      if (first !== undefined) return { ok: true, id: first };
    }
    const id = m.id ?? randomUUID();
    if (window !== undefined && m.dedupId !== undefined)
      store.dedup.record(m.dedupId, id, now, window * 1000);
    const { attributes, hasBytes } = copyAttributes(m.attributes);
    store.accept({
      id,
      body: typeof m.body === 'string' ? m.body : m.body.slice(),
      attributes,
      hasBytes,
      orderingKey: m.orderingKey,
      delayMs: (m.delaySeconds ?? store.settings.delaySeconds) * 1000,
    });
    return { ok: true, id };
  }

  /** Checks, injected failure, topic dedup, then a copy to every subscription whose filter matches. */
  #publish(topic: Topic, m: DriverMessage): SendOutcome {
    const problem = messageProblem(m, this.capabilities, topic.settings) ?? this.faults.takeSendFailure();
    if (problem) return { ok: false, error: problem };
    const window = topic.settings.dedupWindowSeconds;
    const now = this.clock.now();
    if (window !== undefined && m.dedupId !== undefined) {
      const first = topic.dedup.lookup(m.dedupId, now);
      if (first !== undefined) return { ok: true, id: first };
    }
    const id = m.id ?? randomUUID();
    if (window !== undefined && m.dedupId !== undefined)
      topic.dedup.record(m.dedupId, id, now, window * 1000);
    const { attributes, hasBytes } = copyAttributes(m.attributes);
    const body = typeof m.body === 'string' ? m.body : m.body.slice();
    const delayMs = (m.delaySeconds ?? 0) * 1000;
    for (const sub of topic.subscriptions.values()) {
      const filter = sub.settings.filter;
      if (filter !== undefined && !matchesFilter(filter, attributes)) continue;
      sub.accept({ id, body, attributes, hasBytes, orderingKey: m.orderingKey, delayMs });
    }
    return { ok: true, id };
  }

  #upsertQueue(settings: StoreSettings): Store {
    const existing = this.#queues.get(settings.path);
    if (existing) {
      existing.settings = settings;
      existing.changed();
      return existing;
    }
    const store = new Store(settings, this.#host);
    this.#queues.set(settings.path, store);
    return store;
  }

  #upsertTopic(spec: TopicSpec): Topic {
    const settings: TopicSettings = {
      name: spec.name,
      ordered: spec.ordered,
      dedupWindowSeconds: spec.dedupWindowSeconds,
    };
    const existing = this.#topics.get(spec.name);
    if (existing) {
      existing.settings = settings;
      return existing;
    }
    const topic: Topic = { settings, subscriptions: new Map(), dedup: new DedupWindow() };
    this.#topics.set(spec.name, topic);
    return topic;
  }

  #topicFor(name: string, ordered: boolean): Topic {
    return (
      this.#topics.get(name) ??
      this.#upsertTopic({ kind: 'topic', name, format: 'json', ordered, dedupWindowSeconds: undefined })
    );
  }

  #sourceStore(source: SourceSpec): Store {
    if (source.kind === 'queue') {
      const store = this.#queues.get(source.name);
      if (store) return store;
      if (!this.#autoProvision) throw new NotFoundError(`queue "${source.name}"`);
      checkSpec(source);
      return this.#upsertQueue(queueSettings(source));
    }
    const store = this.#topics.get(source.topic)?.subscriptions.get(source.name);
    if (store) return store;
    if (!this.#autoProvision) throw new NotFoundError(`subscription "${source.topic}/${source.name}"`);
    checkSpec(source);
    const created = new Store(subscriptionSettings(source), this.#host);
    this.#topicFor(source.topic, source.ordered).subscriptions.set(source.name, created);
    return created;
  }

  #storeAt(path: string): Store {
    const slash = path.indexOf('/');
    const store =
      slash < 0
        ? this.#queues.get(path)
        : this.#topics.get(path.slice(0, slash))?.subscriptions.get(path.slice(slash + 1));
    if (!store) throw new NotFoundError(slash < 0 ? `queue "${path}"` : `subscription "${path}"`);
    return store;
  }

  #deadLetterStore(name: string): Store | undefined {
    const store = this.#queues.get(name);
    if (store || !this.#autoProvision) return store;
    return this.#upsertQueue(deadLetterSettings(name, false));
  }

  #crash(path?: string): number {
    if (path !== undefined) return this.#storeAt(path).crash();
    let count = 0;
    for (const store of this.#stores()) count += store.crash();
    return count;
  }
}

/**
 * Creates an in-memory driver. Strict limits by default (the strictest cloud's), native dead-lettering by default,
 * no auto-provisioning by default.
 *
 * @example
 * ```ts
 * const clock = new VirtualClock();
 * const driver = memory({ clock, nativeDeadLetter: false }); // SQS-like redrive-only dead-lettering
 * const bus = createBus({ adapter: driver, clock, declarations: [billing] });
 * ```
 */
export function memory(options: MemoryOptions = {}): MemoryDriver {
  return new MemoryBroker(options);
}
