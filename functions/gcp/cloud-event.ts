/**
 * The CloudEvent handler for Cloud Run functions (and anything else that delivers Pub/Sub messages as CloudEvents of
 * type `google.cloud.pubsub.topic.v1.messagePublished`), to register with `@google-cloud/functions-framework`.
 * The function's answer settles the message: returning acks it (HTTP 2xx), throwing nacks it (HTTP 500) and Pub/Sub
 * redelivers after the subscription's retry backoff, up to its dead-letter policy.
 * - done (acked, dead-lettered with the envelope, filtered) → returns;
 * - released, held, or settlement failed → throws {@link RedeliveryRequested};
 * - an event that is not a Pub/Sub message → throws a ValidationError naming the field (redelivered, then
 *   dead-lettered natively by the subscription's policy: nothing is dropped).
 *
 * The attempt is `deliveryAttempt` when the event carries it (subscriptions with a dead-letter policy). The
 * framework's conversion of a raw push request (e.g. from the Pub/Sub emulator) drops it, and so does Eventarc;
 * then attempts are counted per instance. A raw push body the framework did not convert (it converts only messages
 * with a non-empty `data`) is accepted as it is, `deliveryAttempt` included.
 *
 * @example
 * ```ts
 * import * as functions from '@google-cloud/functions-framework';
 * import { pubsubCloudEventHandler } from 'omnibus/functions/gcp';
 *
 * functions.cloudEvent('billing', pubsubCloudEventHandler(bus, billing, async (m) => charge(m.body)));
 * ```
 * @module
 */
import type { Consumable, MessageBody } from '../../core/declarations.js';
import { ValidationError } from '../../core/errors.js';
import type { Handler } from '../../core/message.js';
import type { BusOrDriver } from '../shared/bus-source.js';
import type { FunctionHandlerOptions, TimeLimitOptions } from '../shared/options.js';
import { RedeliveryRequested } from '../shared/outcome.js';
import {
  MESSAGE_PUBLISHED_TYPE,
  type MessagePublishedData,
  type PubsubCloudEvent,
  type PushBody,
} from './events.js';
import { processPubsubMessage, pubsubMessageProblem } from './message.js';
import { pubsubProcessing } from './setup.js';

/** Options of {@link pubsubCloudEventHandler}. */
export interface CloudEventHandlerOptions extends FunctionHandlerOptions, TimeLimitOptions {}

/** A CloudEvent function (one argument: the framework awaits it). */
export type PubsubCloudEventFunction = (event: PubsubCloudEvent | PushBody) => Promise<void>;

/**
 * What is wrong with a CloudEvent, or undefined when it is a Pub/Sub `messagePublished` event.
 *
 * @example
 * ```ts
 * cloudEventProblem({ type: 'google.cloud.storage.object.v1.finalized' });
 * // ['type', 'must be "google.cloud.pubsub.topic.v1.messagePublished", got …']
 * ```
 */
export function cloudEventProblem(event: unknown): [field: string, problem: string] | undefined {
  if (typeof event !== 'object' || event === null) return ['event', 'is not an object'];
  if (isRawPush(event)) {
    const problem = pubsubMessageProblem(event.message);
    return problem === undefined ? undefined : ['event.message', problem];
  }
  const e = event as PubsubCloudEvent;
  if (e.type !== undefined && e.type !== MESSAGE_PUBLISHED_TYPE) {
    return ['event.type', `must be "${MESSAGE_PUBLISHED_TYPE}", got ${JSON.stringify(e.type)}`];
  }
  if (typeof e.data !== 'object' || e.data === null) return ['event.data', 'is missing'];
  const problem = pubsubMessageProblem(e.data.message);
  return problem === undefined ? undefined : ['event.data.message', problem];
}

/** A push body handed over unconverted (no CloudEvent type or data, a message and a subscription at the top). */
function isRawPush(event: object): event is PushBody {
  const e = event as Partial<PushBody> & PubsubCloudEvent;
  return (
    e.type === undefined &&
    e.data === undefined &&
    typeof e.message === 'object' &&
    typeof e.subscription === 'string'
  );
}

/**
 * Creates the CloudEvent function for `source` (a queue or subscription whose Pub/Sub subscription triggers it).
 *
 * @example
 * ```ts
 * export const billing = pubsubCloudEventHandler(gcp(), billingQueue, bill);
 * ```
 */
export function pubsubCloudEventHandler<D extends Consumable<any>>(
  target: BusOrDriver,
  source: D,
  handler: Handler<MessageBody<D>>,
  options: CloudEventHandlerOptions = {},
): PubsubCloudEventFunction {
  const ctx = pubsubProcessing(target, source, handler, options);
  return async (event) => {
    const problem = cloudEventProblem(event);
    if (problem) {
      ctx.logger.warn('not a Pub/Sub CloudEvent; nacked', {
        source: ctx.source,
        field: problem[0],
        problem: problem[1],
      });
      throw new ValidationError(problem[0], [{ message: problem[1] }]);
    }
    const data: MessagePublishedData = isRawPush(event) ? event : event.data!;
    const result = await processPubsubMessage(ctx, data.message, data.deliveryAttempt, event);
    if (result.answer === 'nack') {
      throw new RedeliveryRequested(
        ctx.source,
        [data.message.messageId ?? data.message.message_id ?? ''],
        [result.outcome ?? 'failed'],
      );
    }
  };
}
