/**
 * Declarations: the queues, topics and subscriptions an application uses, declared once and shared by the runtime,
 * provisioning and infrastructure (CDK). A declaration is plain data; it does nothing until a bus uses it.
 *
 * @example
 * ```ts
 * const billing = defineQueue('billing', { schema: Invoice, maxAttempts: 5, leaseSeconds: 30 });
 * const orderPlaced = defineTopic('order-placed', { schema: OrderPlaced });
 * const email = orderPlaced.subscription('email', { filter: { channel: 'email' } });
 * ```
 * @module
 */
import type { StandardSchemaV1 } from '@standard-schema/spec';
import { ValidationError } from './errors.js';
import { assertFilter, type Filter } from './filter.js';
import type { InferOutput } from './schema.js';

/** How bodies are written on the wire: JSON text (default), plain text, or raw bytes. */
export type BodyFormat = 'json' | 'text' | 'binary';

/** Broker-side deduplication: messages with the same dedup id inside the window are dropped by the broker. */
export interface DeduplicationOptions {
  /** Window in seconds; providers with a fixed window (SQS, SNS: 300) refuse another value. Default 300. */
  readonly windowSeconds?: number;
}

/** Backoff between attempts, used by the retry middleware through the driver's delayed release. */
export interface RetryPolicy {
  /** Delay before the second attempt, in seconds (default 1). */
  readonly initialDelaySeconds?: number;
  /** Largest delay, in seconds (default 300). */
  readonly maxDelaySeconds?: number;
  /** Growth factor per attempt (default 2). */
  readonly multiplier?: number;
  /** Full jitter: a random delay between 0 and the computed one (default true). */
  readonly jitter?: boolean;
}

/** Options for where messages are consumed from: a queue or a subscription. */
export interface ConsumableOptions {
  /** Deliveries before a message is dead-lettered (default 5). */
  readonly maxAttempts?: number;
  /** How long a delivery is leased to one consumer before redelivery, in seconds (default 30). */
  readonly leaseSeconds?: number;
  /** How long an unconsumed message is kept, in seconds (default 4 days). */
  readonly retentionSeconds?: number;
  /**
   * Where messages go after the last attempt: a queue declaration, or `false` for none (then failures are retried
   * until retention ends; nothing is dropped). Default: a queue named `<name>-dlq`.
   */
  readonly deadLetter?: QueueDeclaration<StandardSchemaV1 | undefined> | false;
  /** Backoff between attempts. */
  readonly retry?: RetryPolicy;
}

/** Options of a queue. */
export interface QueueOptions<S extends StandardSchemaV1 | undefined = undefined> extends ConsumableOptions {
  /** A Standard Schema (zod, valibot, arktype …) for bodies: types `send` and handlers, validated both ways. */
  readonly schema?: S;
  /** Body format on the wire (default `json`). */
  readonly format?: BodyFormat;
  /** Ordered delivery per ordering key (SQS FIFO group, Pub/Sub ordering key, Service Bus session). */
  readonly ordering?: boolean;
  /** Broker-side deduplication by dedup id (SQS FIFO, Service Bus duplicate detection). */
  readonly deduplication?: boolean | DeduplicationOptions;
  /** Default delay of every message, in seconds. */
  readonly delaySeconds?: number;
}

/** Options of a topic. */
export interface TopicOptions<S extends StandardSchemaV1 | undefined = undefined> {
  readonly schema?: S;
  readonly format?: BodyFormat;
  readonly ordering?: boolean;
  readonly deduplication?: boolean | DeduplicationOptions;
}

/** Options of a subscription. */
export interface SubscriptionOptions extends ConsumableOptions {
  /** Only messages whose attributes match are delivered. */
  readonly filter?: Filter;
}

/** Fields shared by queue and subscription declarations after defaults are applied. */
export interface ResolvedConsumable {
  readonly maxAttempts: number;
  readonly leaseSeconds: number;
  readonly retentionSeconds: number;
  readonly deadLetter: QueueDeclaration<StandardSchemaV1 | undefined> | undefined;
  readonly retry: Required<RetryPolicy>;
}

/** A declared queue. `T` is the body type. */
export interface QueueDeclaration<S extends StandardSchemaV1 | undefined = undefined, T = BodyOf<S>>
  extends ResolvedConsumable {
  readonly kind: 'queue';
  readonly name: string;
  readonly schema: S;
  readonly format: BodyFormat;
  readonly ordering: boolean;
  readonly deduplication: Required<DeduplicationOptions> | undefined;
  readonly delaySeconds: number;
  /** Set on the automatic dead-letter queue of a queue or subscription: the path of its source. */
  readonly deadLetterOf: string | undefined;
  /** Phantom field carrying the body type; never set at runtime. */
  readonly '~body'?: T;
}

/** A declared topic. Subscriptions are added with {@link TopicDeclaration.subscription}. */
export interface TopicDeclaration<S extends StandardSchemaV1 | undefined = undefined, T = BodyOf<S>> {
  readonly kind: 'topic';
  readonly name: string;
  readonly schema: S;
  readonly format: BodyFormat;
  readonly ordering: boolean;
  readonly deduplication: Required<DeduplicationOptions> | undefined;
  /** Subscriptions declared so far. */
  readonly subscriptions: readonly SubscriptionDeclaration<S, T>[];
  /** Declares a subscription (every subscription receives a copy of each matching message). */
  subscription(name: string, options?: SubscriptionOptions): SubscriptionDeclaration<S, T>;
  readonly '~body'?: T;
}

/** A declared subscription on a topic. */
export interface SubscriptionDeclaration<S extends StandardSchemaV1 | undefined = undefined, T = BodyOf<S>>
  extends ResolvedConsumable {
  readonly kind: 'subscription';
  readonly name: string;
  readonly topic: TopicDeclaration<S, T>;
  readonly filter: Filter | undefined;
  readonly schema: S;
  readonly format: BodyFormat;
  readonly ordering: boolean;
  readonly '~body'?: T;
}

/** Anything messages can be consumed from. */
export type Consumable<T = unknown> =
  | QueueDeclaration<StandardSchemaV1 | undefined, T>
  | SubscriptionDeclaration<StandardSchemaV1 | undefined, T>;
/** Anything messages can be sent to. */
export type Destination<T = unknown> =
  | QueueDeclaration<StandardSchemaV1 | undefined, T>
  | TopicDeclaration<StandardSchemaV1 | undefined, T>;
/** Any declaration. */
export type Declaration =
  | QueueDeclaration<any, any>
  | TopicDeclaration<any, any>
  | SubscriptionDeclaration<any, any>;

/** Body type of a schema (its output), or `unknown` without one. */
export type BodyOf<S> = S extends StandardSchemaV1 ? InferOutput<S> : unknown;
/** Body type carried by a declaration. */
export type MessageBody<D> = D extends { readonly '~body'?: infer T } ? T : unknown;

/** Defaults applied to omitted options. */
export const DEFAULTS = {
  maxAttempts: 5,
  leaseSeconds: 30,
  retentionSeconds: 4 * 24 * 3600,
  deadLetterRetentionSeconds: 14 * 24 * 3600,
  dedupWindowSeconds: 300,
  retry: { initialDelaySeconds: 1, maxDelaySeconds: 300, multiplier: 2, jitter: true },
} as const;

/** Entity names: a letter, then letters, digits, `-` or `_`; 1–60 characters (legal on every provider). */
export const NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_-]{0,59}$/;

function assertName(field: string, name: string): void {
  if (typeof name !== 'string' || !NAME_PATTERN.test(name)) {
    throw new ValidationError(field, [
      {
        message: `"${String(name)}" must start with a letter and use only letters, digits, "-" and "_", 1–60 characters`,
      },
    ]);
  }
}

function assertSeconds(field: string, value: number | undefined, min: number, max: number): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw new ValidationError(field, [
      { message: `must be a number from ${min} to ${max}, got ${String(value)}` },
    ]);
  }
}

function assertAttempts(field: string, value: number | undefined): void {
  if (value === undefined) return;
  if (!Number.isInteger(value) || value < 1 || value > 1000) {
    throw new ValidationError(field, [
      { message: `must be a whole number from 1 to 1000, got ${String(value)}` },
    ]);
  }
}

function resolveDedup(
  field: string,
  value: boolean | DeduplicationOptions | undefined,
): Required<DeduplicationOptions> | undefined {
  if (!value) return undefined;
  const windowSeconds =
    value === true ? DEFAULTS.dedupWindowSeconds : (value.windowSeconds ?? DEFAULTS.dedupWindowSeconds);
  assertSeconds(`${field}.windowSeconds`, windowSeconds, 1, 7 * 24 * 3600);
  return { windowSeconds };
}

function resolveRetry(field: string, retry: RetryPolicy | undefined): Required<RetryPolicy> {
  const r = { ...DEFAULTS.retry, ...retry };
  assertSeconds(`${field}.initialDelaySeconds`, r.initialDelaySeconds, 0, 43_200);
  assertSeconds(`${field}.maxDelaySeconds`, r.maxDelaySeconds, 0, 43_200);
  assertSeconds(`${field}.multiplier`, r.multiplier, 1, 100);
  return r;
}

function resolveConsumable(
  field: string,
  options: ConsumableOptions,
  dlq: () => QueueDeclaration<StandardSchemaV1 | undefined>,
): ResolvedConsumable {
  assertAttempts(`${field}.maxAttempts`, options.maxAttempts);
  assertSeconds(`${field}.leaseSeconds`, options.leaseSeconds, 1, 43_200);
  assertSeconds(`${field}.retentionSeconds`, options.retentionSeconds, 60, 14 * 24 * 3600);
  return {
    maxAttempts: options.maxAttempts ?? DEFAULTS.maxAttempts,
    leaseSeconds: options.leaseSeconds ?? DEFAULTS.leaseSeconds,
    retentionSeconds: options.retentionSeconds ?? DEFAULTS.retentionSeconds,
    deadLetter: options.deadLetter === false ? undefined : (options.deadLetter ?? dlq()),
    retry: resolveRetry(`${field}.retry`, options.retry),
  };
}

function deadLetterQueueFor(
  name: string,
  source: string,
  format: BodyFormat,
  ordering: boolean,
): QueueDeclaration<undefined> {
  return defineQueue(name, {
    format,
    ordering,
    deadLetter: false,
    retentionSeconds: DEFAULTS.deadLetterRetentionSeconds,
    [deadLetterSource]: source,
  } as QueueOptions);
}

const deadLetterSource = Symbol('omnibus.deadLetterOf');

/**
 * Declares a queue: point-to-point, competing consumers (each message is handled by one consumer).
 *
 * @example
 * ```ts
 * const billing = defineQueue('billing', { schema: z.object({ orderId: z.string(), total: z.number() }) });
 * await bus.send(billing, { orderId: 'o-1', total: 12 });
 * ```
 */
export function defineQueue<S extends StandardSchemaV1 | undefined = undefined>(
  name: string,
  options: QueueOptions<S> = {},
): QueueDeclaration<S> {
  assertName('queue name', name);
  const field = `queue "${name}"`;
  assertSeconds(`${field}.delaySeconds`, options.delaySeconds, 0, 43_200);
  const format = options.format ?? 'json';
  const ordering = options.ordering ?? false;
  return Object.freeze({
    kind: 'queue' as const,
    name,
    schema: options.schema as S,
    format,
    ordering,
    deduplication: resolveDedup(`${field}.deduplication`, options.deduplication),
    delaySeconds: options.delaySeconds ?? 0,
    deadLetterOf: (options as { [deadLetterSource]?: string })[deadLetterSource],
    ...resolveConsumable(field, options, () => deadLetterQueueFor(`${name}-dlq`, name, format, ordering)),
  });
}

/**
 * Declares a topic: publish/subscribe (every subscription receives a copy).
 *
 * @example
 * ```ts
 * const placed = defineTopic('order-placed', { schema: OrderPlaced });
 * const audit = placed.subscription('audit');
 * await bus.publish(placed, { orderId: 'o-1' });
 * ```
 */
export function defineTopic<S extends StandardSchemaV1 | undefined = undefined>(
  name: string,
  options: TopicOptions<S> = {},
): TopicDeclaration<S> {
  assertName('topic name', name);
  const subscriptions: SubscriptionDeclaration<S>[] = [];
  const topic: TopicDeclaration<S> = {
    kind: 'topic',
    name,
    schema: options.schema as S,
    format: options.format ?? 'json',
    ordering: options.ordering ?? false,
    deduplication: resolveDedup(`topic "${name}".deduplication`, options.deduplication),
    subscriptions,
    subscription(subName: string, subOptions: SubscriptionOptions = {}): SubscriptionDeclaration<S> {
      assertName('subscription name', subName);
      const field = `subscription "${name}/${subName}"`;
      if (subscriptions.some((s) => s.name === subName)) {
        throw new ValidationError(field, [{ message: 'is declared twice on this topic' }]);
      }
      if (subOptions.filter !== undefined) assertFilter(subOptions.filter, `${field}.filter`);
      const sub: SubscriptionDeclaration<S> = Object.freeze({
        kind: 'subscription' as const,
        name: subName,
        topic,
        filter: subOptions.filter,
        schema: topic.schema,
        format: topic.format,
        ordering: topic.ordering,
        ...resolveConsumable(field, subOptions, () =>
          deadLetterQueueFor(`${name}-${subName}-dlq`, `${name}/${subName}`, topic.format, topic.ordering),
        ),
      });
      subscriptions.push(sub);
      return sub;
    },
  };
  return topic;
}

/**
 * The path of a declaration: `name` for queues and topics, `topic/subscription` for subscriptions.
 *
 * @example
 * ```ts
 * pathOf(email); // 'order-placed/email'
 * ```
 */
export function pathOf(declaration: Declaration): string {
  return declaration.kind === 'subscription'
    ? `${declaration.topic.name}/${declaration.name}`
    : declaration.name;
}
