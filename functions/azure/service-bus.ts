/**
 * Azure Functions (v4 Node.js programming model) Service Bus trigger handlers. The platform settles by the
 * function's result: returning completes the message (`autoCompleteMessages`), throwing abandons it — Service Bus
 * redelivers it at once and counts a delivery, and moves it to the entity's native `$deadletterqueue` after
 * `MaxDeliveryCount`, the safety net.
 * - done (acked, dead-lettered with the envelope, filtered) → returns (completed);
 * - released with a delay (the retry backoff) → a copy is scheduled that much later through the bus's driver
 *   (carrying the attempt count), and the function returns so the original completes — as the Service Bus driver
 *   releases for a consumer; ordered (session) sources cannot be copied without losing order: abandoned at once;
 * - released without a delay, held, or settlement failed → throws {@link RedeliveryRequested} (abandoned);
 * - trigger metadata without a message id → throws a ValidationError (abandoned; dead-lettered natively at
 *   `MaxDeliveryCount`).
 * With the automatic dead-letter queue — the entity's own `$DeadLetterQueue`, which only the host's receiver can
 * move a message to — a failure that should dead-letter (last attempt, validation, non-retryable) abandons instead,
 * and Service Bus dead-letters the message when `MaxDeliveryCount` (= `maxAttempts`) is exceeded: reason
 * `MaxDeliveryCountExceeded`, no Omnibus envelope. A dead-letter queue declared as a queue of its own gets the
 * envelope copy.
 * The attempt is `deliveryCount`; the ordering key is `sessionId` on ordered (session) entities; the lock is renewed
 * by the host (`maxAutoLockRenewalDuration`), so the handler extends nothing. One message per invocation
 * (`cardinality: 'one'`): with batches, a throw would abandon the whole batch.
 *
 * @example
 * ```ts
 * import { app } from '@azure/functions';
 * import { serviceBusQueueFunction } from 'omnibus/functions/azure';
 *
 * app.serviceBusQueue('billing', serviceBusQueueFunction(bus, billing, bill, { connection: 'ServiceBusConnection' }));
 * ```
 * @module
 */
import type {
  Consumable,
  MessageBody,
  QueueDeclaration,
  SubscriptionDeclaration,
} from '../../core/declarations.js';
import { pathOf } from '../../core/declarations.js';
import type { Delivery, SourceSpec } from '../../core/driver.js';
import { ConfigurationError, OmnibusError, ValidationError } from '../../core/errors.js';
import type { Handler } from '../../core/message.js';
import { specOf } from '../../core/plan.js';
import { assertConsumable, type BusOrDriver, busFor } from '../shared/bus-source.js';
import {
  checkWhole,
  commonSetup,
  type FunctionHandlerOptions,
  type TimeLimitOptions,
} from '../shared/options.js';
import { isSettled, RedeliveryRequested } from '../shared/outcome.js';
import { processWithin } from '../shared/within.js';
import { scheduleCopy } from './delayed-release.js';
import { bodyOfInput, messageIdOf, propertiesToAttributes } from './properties.js';
import type { InvocationContextLike, ServiceBusTriggerMetadata } from './types.js';

/** Options of {@link serviceBusHandler}. */
export interface ServiceBusHandlerOptions extends FunctionHandlerOptions, TimeLimitOptions {}

/** A Service Bus trigger handler (`(message, context)`, as `app.serviceBusQueue` calls it). */
export type ServiceBusFunctionHandler = (message: unknown, context: InvocationContextLike) => Promise<void>;

/** Trigger settings shared by queue and topic functions. */
export interface ServiceBusTriggerSettings {
  /** App setting (or prefix of `__fullyQualifiedNamespace` settings) naming the Service Bus connection. */
  readonly connection: string;
}

/** Options of {@link serviceBusQueueFunction}. */
export interface ServiceBusQueueFunctionSettings extends ServiceBusTriggerSettings, ServiceBusHandlerOptions {
  /** Entity name on Service Bus (default: the declared queue's name). */
  readonly queueName?: string;
}

/** Options of {@link serviceBusTopicFunction}. */
export interface ServiceBusTopicFunctionSettings extends ServiceBusTriggerSettings, ServiceBusHandlerOptions {
  /** Topic name on Service Bus (default: the declared topic's name). */
  readonly topicName?: string;
  /** Subscription name on Service Bus (default: the declared subscription's name). */
  readonly subscriptionName?: string;
}

/** What `app.serviceBusQueue(name, options)` takes (the trigger binding receives the bytes of the body). */
export interface ServiceBusQueueFunctionOptions {
  readonly connection: string;
  readonly queueName: string;
  readonly isSessionsEnabled: boolean;
  readonly cardinality: 'one';
  readonly autoCompleteMessages: true;
  readonly dataType: 'binary';
  readonly handler: ServiceBusFunctionHandler;
}

/** What `app.serviceBusTopic(name, options)` takes. */
export interface ServiceBusTopicFunctionOptions {
  readonly connection: string;
  readonly topicName: string;
  readonly subscriptionName: string;
  readonly isSessionsEnabled: boolean;
  readonly cardinality: 'one';
  readonly autoCompleteMessages: true;
  readonly dataType: 'binary';
  readonly handler: ServiceBusFunctionHandler;
}

function dateOf(value: unknown): Date {
  const ms = typeof value === 'string' || value instanceof Date ? new Date(value as string).getTime() : NaN;
  return new Date(Number.isFinite(ms) ? ms : Date.now());
}

function countOf(value: unknown): number | undefined {
  const n = typeof value === 'string' ? Number(value) : value;
  return typeof n === 'number' && Number.isInteger(n) && n > 0 ? n : undefined;
}

/**
 * Creates the trigger handler for `source` (a queue, or a subscription of a topic).
 *
 * @example
 * ```ts
 * app.serviceBusQueue('billing', { connection: 'SB', queueName: 'billing', dataType: 'binary', handler: serviceBusHandler(bus, billing, bill) });
 * ```
 */
export function serviceBusHandler<D extends Consumable<any>>(
  target: BusOrDriver,
  source: D,
  handler: Handler<MessageBody<D>>,
  options: ServiceBusHandlerOptions = {},
): ServiceBusFunctionHandler {
  assertConsumable(source, 'source');
  if (typeof handler !== 'function') throw new ConfigurationError('handler', 'must be a function');
  checkWhole('timeoutMs', options.timeoutMs, 1, 3_600_000);
  const bus = busFor(target, source);
  const { processorOptions, logger } = commonSetup(options);
  const processor = bus.processor(source, handler, processorOptions);
  const spec = specOf(source as Consumable, bus.capabilities) as SourceSpec;
  const sourcePath = pathOf(source as Consumable);
  // On Service Bus the automatic dead-letter queue is the entity's own $DeadLetterQueue, which only the receiver
  // of the message can move it to — the host, not the function (without SDK-type bindings).
  const nativeDeadLetterQueue =
    bus.capabilities.provider === 'azure' && (source as Consumable).deadLetter?.deadLetterOf !== undefined;

  return async (message, context) => {
    const meta = (context?.triggerMetadata ?? {}) as ServiceBusTriggerMetadata;
    if (Array.isArray(message) && Array.isArray((meta as Record<string, unknown>).messageIdArray)) {
      throw new ConfigurationError(
        'cardinality',
        "batches are not supported: register with cardinality 'one'",
      );
    }
    const id = messageIdOf(meta.messageId);
    if (id === undefined) {
      logger.warn('Service Bus trigger without a message id; abandoned', { source: sourcePath });
      throw new ValidationError('context.triggerMetadata.messageId', [
        { message: 'is missing: not a Service Bus trigger' },
      ]);
    }
    let copied = false;
    let acked = false;
    const delivery: { -readonly [K in keyof Delivery]: Delivery[K] } = {
      id,
      body: bodyOfInput(message, spec.format),
      attributes: propertiesToAttributes(meta.applicationProperties ?? meta.userProperties),
      orderingKey: spec.ordered && typeof meta.sessionId === 'string' ? meta.sessionId : undefined,
      deliveryCount: countOf(meta.deliveryCount),
      publishTime: dateOf(meta.enqueuedTimeUtc),
      raw: { message, triggerMetadata: meta },
      // The host completes the message when the function returns and abandons it when it throws.
      ack: async () => {
        acked = true;
      },
      // With a delay: a scheduled copy, then the original completes; without one (or when ordered): abandon.
      release: async (delaySeconds) => {
        if (await scheduleCopy(bus.driver, spec, delivery, delaySeconds)) copied = true;
      },
      // The host renews the lock while the function runs.
      extend: async () => {},
    };
    if (nativeDeadLetterQueue) {
      delivery.deadLetter = async (reason) => {
        logger.warn('dead-lettering left to Service Bus: the message is abandoned until MaxDeliveryCount', {
          source: sourcePath,
          messageId: id,
          reason: reason.reason,
        });
        throw new OmnibusError(
          'DEAD_LETTER_BY_HOST',
          `${sourcePath}: a function cannot move message ${id} to $DeadLetterQueue; it is abandoned and Service Bus dead-letters it at MaxDeliveryCount`,
        );
      };
    }
    const outcome = await processWithin(processor, delivery, options.timeoutMs);
    if (!isSettled(outcome, acked || (outcome === 'released' && copied))) {
      throw new RedeliveryRequested(sourcePath, [id], [outcome]);
    }
  };
}

/**
 * Options for `app.serviceBusQueue(name, …)`: the trigger on the declared queue (sessions when ordered), the body as
 * bytes, one message per invocation, and the handler.
 *
 * @example
 * ```ts
 * app.serviceBusQueue('billing', serviceBusQueueFunction(bus, billing, bill, { connection: 'ServiceBus' }));
 * ```
 */
export function serviceBusQueueFunction<D extends QueueDeclaration<any, any>>(
  target: BusOrDriver,
  queue: D,
  handler: Handler<MessageBody<D>>,
  settings: ServiceBusQueueFunctionSettings,
): ServiceBusQueueFunctionOptions {
  if ((queue as { kind?: unknown } | null)?.kind !== 'queue') {
    throw new ConfigurationError('queue', 'expected a queue declaration (defineQueue)');
  }
  if (typeof settings?.connection !== 'string' || settings.connection === '') {
    throw new ConfigurationError('connection', 'must name the app setting of the Service Bus connection');
  }
  const { connection, queueName, ...options } = settings;
  return {
    connection,
    queueName: queueName ?? queue.name,
    isSessionsEnabled: queue.ordering,
    cardinality: 'one',
    autoCompleteMessages: true,
    dataType: 'binary',
    handler: serviceBusHandler(target, queue, handler, options),
  };
}

/**
 * Options for `app.serviceBusTopic(name, …)`: the trigger on the declared subscription.
 *
 * @example
 * ```ts
 * app.serviceBusTopic('audit', serviceBusTopicFunction(bus, audit, record, { connection: 'ServiceBus' }));
 * ```
 */
export function serviceBusTopicFunction<D extends SubscriptionDeclaration<any, any>>(
  target: BusOrDriver,
  subscription: D,
  handler: Handler<MessageBody<D>>,
  settings: ServiceBusTopicFunctionSettings,
): ServiceBusTopicFunctionOptions {
  if ((subscription as { kind?: unknown } | null)?.kind !== 'subscription') {
    throw new ConfigurationError(
      'subscription',
      'expected a subscription declaration (topic.subscription(name))',
    );
  }
  if (typeof settings?.connection !== 'string' || settings.connection === '') {
    throw new ConfigurationError('connection', 'must name the app setting of the Service Bus connection');
  }
  const { connection, topicName, subscriptionName, ...options } = settings;
  return {
    connection,
    topicName: topicName ?? subscription.topic.name,
    subscriptionName: subscriptionName ?? subscription.name,
    isSessionsEnabled: subscription.ordering,
    cardinality: 'one',
    autoCompleteMessages: true,
    dataType: 'binary',
    handler: serviceBusHandler(target, subscription, handler, options),
  };
}
