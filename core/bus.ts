/**
 * The bus: the object users create. It sends, publishes, consumes and provisions through one driver, making every
 * capability decision at startup and every check before anything is sent.
 *
 * @example
 * ```ts
 * import { createBus, defineQueue } from 'omnibus';
 * import { memory } from 'omnibus/memory';
 *
 * const billing = defineQueue('billing');
 * const bus = createBus({ adapter: memory(), declarations: [billing] });
 * await bus.provision();
 * bus.consume(billing, async (m) => console.log(m.body));
 * await bus.send(billing, { orderId: 'o-1' });
 * ```
 * @module
 */
import { createHash, randomUUID } from 'node:crypto';
import type { StandardSchemaV1 } from '@standard-schema/spec';
import { type Attributes, encodeMeta } from './attributes.js';
import { type Clock, systemClock } from './clock.js';
import { encodeBody } from './codec.js';
import { type ConsumeOptions, type Consumer, startConsumer } from './consumer.js';
import type {
  Consumable,
  Declaration,
  MessageBody,
  QueueDeclaration,
  SubscriptionDeclaration,
  TopicDeclaration,
} from './declarations.js';
import { pathOf } from './declarations.js';
import {
  type Capabilities,
  DRIVER_SPEC_VERSION,
  type Driver,
  type DriverMessage,
  type QueueSpec,
  type SendOutcome,
  type SourceSpec,
  type TargetSpec,
} from './driver.js';
import { ConfigurationError, ValidationError } from './errors.js';
import type { Hooks } from './hooks.js';
import { checkAttributes, checkMessage } from './limits.js';
import { type Logger, silentLogger } from './logger.js';
import type { BatchEntry, Handler, Middleware, SendOptions, SendReceipt } from './message.js';
import { type IdempotencyOptions, idempotency } from './middleware/idempotency.js';
import { retry } from './middleware/retry.js';
import { validation } from './middleware/validation.js';
import { compose } from './pipeline.js';
import { delaySupport, holdsFor, nativeDelayUsable, type Plan, planFor, specOf, topologyOf } from './plan.js';
import { createProcessor, type Processor, type ProcessorContext } from './processor.js';
import { validate } from './schema.js';
import { Sender } from './sender.js';

/** Options of {@link createBus}. */
export interface BusOptions {
  /** The adapter's driver, e.g. `memory()`, `aws()`. */
  readonly adapter: Driver;
  /** Everything `provision()` creates and the bus checks at startup. */
  readonly declarations?: readonly Declaration[];
  readonly logger?: Logger;
  readonly hooks?: Hooks;
  /** Time source (a virtual clock in tests). Default: the system clock. */
  readonly clock?: Clock;
  /** Middleware for every consumer, inside the built-ins and before a consumer's own. */
  readonly middleware?: readonly Middleware[];
  /** Random source for backoff jitter (tests make it deterministic). */
  readonly random?: () => number;
  /**
   * Idempotency for every consumer (a store and options), inserted after validation and before user middleware.
   * The claim lasts the source's `leaseSeconds` unless `inProgressSeconds` is given; duplicates are reported
   * through `hooks.onDuplicateSkipped`.
   */
  readonly idempotency?: BusIdempotencyOptions;
}

/** Idempotency options given to the bus or a consumer (clock, logger and duplicate reporting are the bus's). */
export type BusIdempotencyOptions = Omit<IdempotencyOptions, 'clock' | 'logger' | 'onDuplicate'>;

/** Options of `bus.consume`, plus per-consumer middleware. */
export interface ConsumerOptions extends ConsumeOptions {
  readonly middleware?: readonly Middleware[];
  /** Idempotency for this consumer, replacing the bus's; `false` turns the bus's off here. */
  readonly idempotency?: BusIdempotencyOptions | false;
}

/** The bus. */
export interface Bus {
  /** The adapter's capabilities. */
  readonly capabilities: Capabilities;
  /** Sends one message to a queue; sends issued together are batched automatically. */
  send<D extends QueueDeclaration<any, any>>(
    queue: D,
    body: MessageBody<D>,
    options?: SendOptions,
  ): Promise<SendReceipt>;
  /** Sends many messages to a queue, split into provider batches. */
  sendBatch<D extends QueueDeclaration<any, any>>(
    queue: D,
    entries: readonly BatchEntry<MessageBody<D>>[],
  ): Promise<SendReceipt[]>;
  /** Publishes one message to a topic. */
  publish<D extends TopicDeclaration<any, any>>(
    topic: D,
    body: MessageBody<D>,
    options?: Omit<SendOptions, 'delaySeconds'>,
  ): Promise<SendReceipt>;
  /** Publishes many messages to a topic. */
  publishBatch<D extends TopicDeclaration<any, any>>(
    topic: D,
    entries: readonly BatchEntry<MessageBody<D>>[],
  ): Promise<SendReceipt[]>;
  /**
   * A processor for deliveries that arrive by other means than a receive loop (a Lambda event, a push request):
   * the same pipeline and settlement as `consume`, one delivery at a time.
   */
  processor<D extends Consumable<any>>(
    source: D,
    handler: Handler<MessageBody<D>>,
    options?: ConsumerOptions & { readonly extendLeases?: boolean },
  ): Processor;
  /** Starts a consumer on a queue or subscription. */
  consume<D extends Consumable<any>>(
    source: D,
    handler: Handler<MessageBody<D>>,
    options?: ConsumerOptions,
  ): Consumer;
  /** Creates missing entities for the declarations (and `extra`); harmless to call twice. */
  provision(extra?: readonly Declaration[]): Promise<void>;
  /** How each option of a declaration is honoured on this adapter (throws a CapabilityError if it cannot be). */
  plan(declaration: Declaration): Plan;
  /** The driver (escape hatch for tools like the dead-letter API). */
  readonly driver: Driver;
  /** The bus's clock (tools like the dead-letter API time rate limits with it). */
  readonly clock: Clock;
  /** Closes consumers gracefully, flushes pending sends, closes the driver. */
  close(): Promise<void>;
}

function handlerNameOf(handler: Function, options: ConsumeOptions): string {
  return options.name ?? (handler.name || 'anonymous');
}

/**
 * Creates a bus on an adapter. Every declaration given is checked against the adapter's capabilities now, so an
 * option the provider cannot honour fails here with a CapabilityError.
 *
 * @example
 * ```ts
 * const bus = createBus({ adapter: memory(), declarations: [billing, orderPlaced] });
 * ```
 */
export function createBus(options: BusOptions): Bus {
  const driver = options.adapter;
  if (!driver || driver.specVersion !== DRIVER_SPEC_VERSION) {
    throw new ConfigurationError(
      'adapter',
      `expected a driver implementing spec v${DRIVER_SPEC_VERSION}, got ${String(driver?.specVersion)}`,
    );
  }
  const caps = driver.capabilities;
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? silentLogger;
  const hooks = options.hooks ?? {};
  const declarations = [...(options.declarations ?? [])];
  topologyOf(declarations, caps); // capability decisions at startup
  const sender = new Sender(driver);
  const consumers = new Set<Consumer>();
  let closed = false;

  const assertOpen = () => {
    if (closed) throw new ConfigurationError('bus', 'is closed');
  };

  const prepare = async (
    decl: QueueDeclaration<any, any> | TopicDeclaration<any, any>,
    body: unknown,
    opts: SendOptions,
    field: string,
  ): Promise<DriverMessage> => {
    const value = decl.schema ? await validate(decl.schema as StandardSchemaV1, body, `${field}body`) : body;
    // Send what the caller gave (the schema's output may differ in shape, e.g. transforms); validation is the gate.
    void value;
    const encoded = encodeBody(decl.format, body, `${field}body`);
    const attributes: Attributes = opts.attributes ?? {};
    checkAttributes(attributes, caps, `${field}attributes`);
    if (opts.orderingKey !== undefined && !decl.ordering) {
      throw new ValidationError(`${field}orderingKey`, [
        { message: `${decl.kind} "${decl.name}" is not declared with ordering` },
      ]);
    }
    if (decl.ordering && (typeof opts.orderingKey !== 'string' || opts.orderingKey === '')) {
      throw new ValidationError(`${field}orderingKey`, [
        { message: `is required: ${decl.kind} "${decl.name}" is ordered` },
      ]);
    }
    if (opts.dedupId !== undefined && !decl.deduplication) {
      throw new ValidationError(`${field}dedupId`, [
        { message: `${decl.kind} "${decl.name}" is not declared with deduplication` },
      ]);
    }
    const dedupId = decl.deduplication
      ? (opts.dedupId ?? createHash('sha256').update(encoded).digest('hex'))
      : undefined;
    const delaySeconds = decl.kind === 'queue' ? (opts.delaySeconds ?? decl.delaySeconds) : 0;
    if (opts.delaySeconds !== undefined) {
      if (decl.kind !== 'queue')
        throw new ValidationError(`${field}delaySeconds`, [{ message: 'topics do not take a delay' }]);
      if (!Number.isFinite(opts.delaySeconds) || opts.delaySeconds < 0 || opts.delaySeconds > 43_200) {
        throw new ValidationError(`${field}delaySeconds`, [
          { message: `must be 0–43200 seconds, got ${opts.delaySeconds}` },
        ]);
      }
    }
    let finalAttributes = attributes;
    let nativeDelay: number | undefined;
    const deduplicated = decl.deduplication !== undefined;
    const support = delaySupport(caps, delaySeconds, decl.ordering, deduplicated);
    if (support === 'native') nativeDelay = delaySeconds;
    else if (support === 'emulated') {
      // Beyond the native maximum: a not-before time travels with the message. Where a native delay is usable,
      // the message goes out with the longest native delay and is re-sent as a delayed copy until due; elsewhere
      // the consumer holds it with delayed releases, each of which the broker counts as a delivery.
      if (nativeDelayUsable(caps, decl.ordering, deduplicated)) nativeDelay = caps.delay.maxSeconds;
      else {
        const headroom = decl.kind === 'queue' ? planFor(decl, caps).holdHeadroom : 0;
        const holds = holdsFor(caps, delaySeconds);
        if (holds > headroom) {
          const max = headroom * caps.release.maxDelaySeconds;
          throw new ValidationError(`${field}delaySeconds`, [
            {
              message:
                `${delaySeconds} s is over the ${max} s that ${caps.provider} can delay a message on ${decl.kind} ` +
                `"${decl.name}" (no native delay here; raise the queue's delaySeconds to reserve room for longer delays)`,
            },
          ]);
        }
      }
      finalAttributes = {
        ...attributes,
        omnibus_meta: encodeMeta({ notBefore: clock.now() + delaySeconds * 1000 }),
      };
    }
    const message: DriverMessage = {
      body: encoded,
      attributes: finalAttributes,
      orderingKey: opts.orderingKey,
      dedupId,
      delaySeconds: nativeDelay,
      id: randomUUID(),
    };
    checkMessage(message, caps, `${field}body`);
    return message;
  };

  const targetSpec = (decl: QueueDeclaration<any, any> | TopicDeclaration<any, any>): TargetSpec =>
    decl.kind === 'queue' ? specOf(decl, caps) : specOf(decl, caps);

  const sendMany = async (
    decl: QueueDeclaration<any, any> | TopicDeclaration<any, any>,
    entries: readonly BatchEntry<unknown>[],
  ): Promise<SendReceipt[]> => {
    assertOpen();
    const spec = targetSpec(decl);
    const prepared = await Promise.all(entries.map((e, i) => prepare(decl, e.body, e, `entries[${i}].`)));
    const receipts = await sender.sendBatch(spec, prepared);
    hooks.onSent?.({ destination: decl.name, count: receipts.length });
    return receipts;
  };

  const sendOne = async (
    decl: QueueDeclaration<any, any> | TopicDeclaration<any, any>,
    body: unknown,
    opts: SendOptions = {},
  ): Promise<SendReceipt> => {
    assertOpen();
    const spec = targetSpec(decl);
    const message = await prepare(decl, body, opts, '');
    const receipt = await sender.sendOne(spec, message);
    hooks.onSent?.({ destination: decl.name, count: 1 });
    return receipt;
  };

  const requeue = async (
    spec: SourceSpec,
    message: { body: string | Uint8Array; attributes: Attributes; orderingKey?: string | undefined },
    delaySeconds: number,
  ): Promise<void> => {
    const copy = {
      ...message,
      delaySeconds: Math.min(delaySeconds, caps.delay.maxSeconds),
      id: randomUUID(),
    };
    let outcomes: SendOutcome[];
    if (driver.redeliver) outcomes = await driver.redeliver(spec, [copy]);
    else if (spec.kind === 'queue') outcomes = await driver.send(spec, [copy]);
    else {
      throw new ConfigurationError(
        'release',
        `${caps.provider} cannot put a delayed copy onto subscription ${spec.topic}/${spec.name}`,
      );
    }
    const [outcome] = outcomes;
    if (!outcome?.ok) throw outcome?.error ?? new ConfigurationError('release', 'requeue failed');
  };

  const contextFor = (decl: Consumable, handler: Handler<any>, opts: ConsumerOptions): ProcessorContext => {
    const plan = planFor(decl, caps);
    const spec = (decl.kind === 'queue' ? specOf(decl, caps) : specOf(decl, caps)) as SourceSpec;
    const deadLetterSpec: QueueSpec | undefined = decl.deadLetter ? specOf(decl.deadLetter, caps) : undefined;
    const builtIns: Middleware[] = [
      retry({
        policy: decl.retry,
        hasDeadLetter: decl.deadLetter !== undefined,
        ...(options.random ? { random: options.random } : {}),
      }),
      validation({ format: decl.format, schema: decl.schema as StandardSchemaV1 | undefined }),
    ];
    const idempotencyOptions =
      opts.idempotency === false ? undefined : (opts.idempotency ?? options.idempotency);
    if (idempotencyOptions) {
      builtIns.push(
        idempotency({
          inProgressSeconds: decl.leaseSeconds,
          ...idempotencyOptions,
          clock,
          logger,
          onDuplicate: (e) => {
            try {
              hooks.onDuplicateSkipped?.({
                source: e.source,
                messageId: e.messageId,
                attempt: e.attempt,
                key: e.key,
              });
            } catch (error) {
              logger.warn('hook threw', { source: e.source, error: String(error) });
            }
          },
        }),
      );
    }
    const pipeline = compose(
      [...builtIns, ...(options.middleware ?? []), ...(opts.middleware ?? [])],
      handler,
    );
    return {
      driver,
      caps,
      clock,
      logger,
      hooks,
      source: decl,
      spec,
      plan,
      deadLetterSpec,
      requeue,
      pipeline,
    };
  };

  const bus: Bus = {
    capabilities: caps,
    clock,
    driver,
    send: (queue, body, opts) => sendOne(queue, body, opts),
    sendBatch: (queue, entries) => sendMany(queue, entries),
    publish: (topic, body, opts) => sendOne(topic, body, opts),
    publishBatch: (topic, entries) => sendMany(topic, entries),
    consume(source, handler, opts = {}) {
      assertOpen();
      const consumer = startConsumer(
        contextFor(source as Consumable, handler, opts),
        handlerNameOf(handler, opts),
        opts,
      );
      consumers.add(consumer);
      void consumer.closed.then(() => consumers.delete(consumer));
      return consumer;
    },
    processor(source, handler, opts = {}) {
      assertOpen();
      const { extendLeases, ...rest } = opts;
      return createProcessor(
        { ...contextFor(source as Consumable, handler, rest), extendLeases: extendLeases ?? true },
        handlerNameOf(handler, opts),
      );
    },
    async provision(extra = []) {
      assertOpen();
      await driver.provision(topologyOf([...declarations, ...extra], caps));
    },
    plan: (declaration) => planFor(declaration, caps),
    async close() {
      if (closed) return;
      closed = true;
      await Promise.all([...consumers].map((c) => c.close()));
      await sender.flush();
      await driver.close();
    },
  };
  return bus;
}

export { pathOf };
