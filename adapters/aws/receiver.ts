/**
 * Receiving from an SQS queue (a queue, or a subscription's queue): long-polling ReceiveMessage with the lease as
 * the visibility timeout, and deliveries that settle themselves through the {@link Settler} by receipt handle (any
 * client can settle, so a delivery outlives its receiver until the driver closes).
 *
 * @example
 * ```ts
 * const receiver = openSqsReceiver(context, spec, { maxInFlight: 8, leaseSeconds: 30 });
 * const deliveries = await receiver.receive(10, { waitSeconds: 20 });
 * ```
 * @module
 */
import type { Message } from '@aws-sdk/client-sqs';
import { sleep, systemClock } from '../../core/clock.js';
import type { Delivery, ReceiveOptions, Receiver, ReceiverOptions, SourceSpec } from '../../core/driver.js';
import { ValidationError } from '../../core/errors.js';
import type { AwsClients } from './clients.js';
import { isAbort, toOmnibusError } from './errors.js';
import type { Handover } from './handover.js';
import { SQS_MAX_RECEIVE_COUNT, SQS_MAX_VISIBILITY_SECONDS } from './limits.js';
import { describeEntity, entityKey } from './names.js';
import type { ResolvedQueue, Resolver } from './resolver.js';
import type { Settler } from './settle.js';
import { fromWireAttributes, fromWireBody } from './wire.js';

/**
 * What a receiver needs from the driver.
 *
 * @example
 * ```ts
 * const context: ReceiverContext = { clients, resolver, settler, handover, closing: signal, maxWaitSeconds: 20 };
 * ```
 */
export interface ReceiverContext {
  readonly clients: AwsClients;
  readonly resolver: Resolver;
  readonly settler: Settler;
  readonly handover: Handover;
  /** Aborted when the driver closes: ends every request still running. */
  readonly closing: AbortSignal;
  /** Longest long poll, in seconds (≤ 20). */
  readonly maxWaitSeconds: number;
}

/** System attributes every receive asks for. */
const SYSTEM_ATTRIBUTES = ['ApproximateReceiveCount', 'SentTimestamp', 'MessageGroupId'] as const;

function seconds(field: string, value: number): number {
  if (!Number.isFinite(value) || value < 0 || value > SQS_MAX_VISIBILITY_SECONDS) {
    throw new ValidationError(field, [
      { message: `must be 0–${SQS_MAX_VISIBILITY_SECONDS} seconds on SQS, got ${value}` },
    ]);
  }
  return Math.ceil(value);
}

const ABORTED = Symbol('aborted');
const HANDED = Symbol('handed');

/**
 * One signal that aborts when any of `signals` does; `dispose` removes its listeners (no listener outlives a receive,
 * however long the consumer runs).
 */
function anySignal(signals: readonly (AbortSignal | undefined)[]): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const live = signals.filter((s): s is AbortSignal => s !== undefined);
  const onAbort = () => controller.abort();
  for (const s of live) {
    if (s.aborted) controller.abort();
    else s.addEventListener('abort', onAbort, { once: true });
  }
  return {
    signal: controller.signal,
    dispose: () => {
      for (const s of live) s.removeEventListener('abort', onAbort);
    },
  };
}

/**
 * Resolves with `promise`'s value, with {@link ABORTED} as soon as `signal` aborts, or with {@link HANDED} when
 * `arrival` resolves first (the promise runs on either way).
 */
function race<T>(
  promise: Promise<T>,
  signal: AbortSignal,
  arrival: Promise<void>,
): Promise<T | typeof ABORTED | typeof HANDED> {
  if (signal.aborted) return Promise.resolve(ABORTED);
  return new Promise((resolve, reject) => {
    const onAbort = () => resolve(ABORTED);
    signal.addEventListener('abort', onAbort, { once: true });
    arrival.then(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(HANDED);
    });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/**
 * Turns one received SQS message into a {@link Delivery}.
 *
 * @example
 * ```ts
 * const delivery = toDelivery(context, spec, queue, message);
 * await delivery.ack();
 * ```
 */
export function toDelivery(
  context: ReceiverContext,
  spec: SourceSpec,
  queue: ResolvedQueue,
  message: Message,
): Delivery {
  const handle = message.ReceiptHandle ?? '';
  const system = message.Attributes ?? {};
  const count = Number(system.ApproximateReceiveCount);
  const sent = Number(system.SentTimestamp);
  return {
    id: message.MessageId ?? '',
    body: fromWireBody(message.Body, spec.format),
    attributes: fromWireAttributes(message.MessageAttributes),
    orderingKey: spec.ordered ? system.MessageGroupId : undefined,
    deliveryCount: Number.isInteger(count) && count > 0 ? count : undefined,
    publishTime: new Date(Number.isFinite(sent) ? sent : Date.now()),
    raw: message,
    ack: () => context.settler.delete(queue, handle),
    release: async (delaySeconds) =>
      context.settler.changeVisibility(queue, handle, seconds('release.delaySeconds', delaySeconds)),
    extend: async (leaseSeconds) =>
      context.settler.changeVisibility(queue, handle, seconds('extend.leaseSeconds', leaseSeconds)),
  };
}

/**
 * Opens a receiver on a queue or subscription.
 *
 * @example
 * ```ts
 * const receiver = openSqsReceiver(context, spec, { maxInFlight: 1, leaseSeconds: 30 });
 * ```
 */
export function openSqsReceiver(
  context: ReceiverContext,
  spec: SourceSpec,
  options: ReceiverOptions,
): Receiver {
  const closing = new AbortController();
  const lease = seconds('leaseSeconds', options.leaseSeconds);
  const key = entityKey(spec);

  const receiveOnce = async (max: number, receiveOptions: ReceiveOptions, signal: AbortSignal) => {
    if (signal.aborted) return [];
    const count = Math.max(1, Math.min(SQS_MAX_RECEIVE_COUNT, Math.floor(max)));
    const handed = context.handover.take(key, count);
    if (handed.length > 0) return handed;
    const started = Date.now();
    const waitSeconds = Math.max(0, receiveOptions.waitSeconds);
    const wait = Math.min(context.maxWaitSeconds, Math.floor(waitSeconds));
    let queue: ResolvedQueue;
    let messages: Message[];
    try {
      queue = await context.resolver.source(spec);
      const [sqs, sdk] = await Promise.all([context.clients.sqs(), context.clients.sqsSdk()]);
      // Only the driver's close aborts the request itself; a caller who stops waiting leaves it running, and
      // what it brings goes to the handover (see handover.ts).
      const request = sqs.send(
        new sdk.ReceiveMessageCommand({
          QueueUrl: queue.url,
          MaxNumberOfMessages: count,
          WaitTimeSeconds: wait,
          VisibilityTimeout: lease,
          MessageAttributeNames: ['All'],
          MessageSystemAttributeNames: [...SYSTEM_ATTRIBUTES],
        }),
        { abortSignal: context.closing },
      );
      const arrival = context.handover.arrival(key);
      const out = await race(request, signal, arrival.promise).finally(arrival.cancel);
      if (out === ABORTED || out === HANDED) {
        const resolved = queue;
        request.then(
          (late) =>
            context.handover.put(
              key,
              (late.Messages ?? []).map((m) => toDelivery(context, spec, resolved, m)),
              lease,
            ),
          () => undefined,
        );
        return out === HANDED ? context.handover.take(key, count) : [];
      }
      messages = out.Messages ?? [];
    } catch (error) {
      if (signal.aborted || isAbort(error)) return [];
      const mapped = toOmnibusError(error, 'ReceiveMessage', describeEntity(spec));
      if (mapped.code === 'ENTITY_NOT_FOUND') context.resolver.forget(spec);
      throw mapped;
    }
    if (messages.length === 0 && wait < waitSeconds && !signal.aborted) {
      // A long poll is whole seconds; wait out the fraction so an empty queue is not polled in a tight loop.
      const left = waitSeconds * 1000 - (Date.now() - started);
      if (left > 0) await sleep(systemClock, Math.min(left, 1000), signal);
    }
    return messages.map((m) => toDelivery(context, spec, queue, m));
  };

  return {
    async receive(max: number, receiveOptions: ReceiveOptions): Promise<Delivery[]> {
      const combined = anySignal([closing.signal, context.closing, receiveOptions.signal]);
      try {
        return await receiveOnce(max, receiveOptions, combined.signal);
      } finally {
        combined.dispose();
      }
    },
    async close(): Promise<void> {
      closing.abort();
    },
  };
}
