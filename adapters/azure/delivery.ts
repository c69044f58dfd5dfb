/**
 * One Service Bus delivery as a driver {@link Delivery}: it settles through the receiver that received it (Service
 * Bus ties the lock to that link).
 *
 * - `ack` → `completeMessage`.
 * - `release(0)` → `abandonMessage`: back at once, delivery count + 1.
 * - `release(n > 0)`, since abandon cannot wait: on a session, abandon and pause the session for `n` seconds (the
 *   message keeps its place, id, sequence number and delivery count + 1; order holds); elsewhere, send a copy
 *   scheduled `n` seconds ahead (to the queue, or through the topic to this subscription only), then complete the
 *   original: the copy has a new MessageId and sequence number, its delivery count starts again, and the attempts
 *   so far travel in `omnibus_meta` (`a=`, with the original id), so the bus's attempt count goes on. A crash
 *   between the two steps delivers the message twice (copy and original), never zero times. On a dead-letter
 *   sub-queue (which takes no sends) a delayed release is an immediate abandon.
 * - `extend` → `renewMessageLock` (on a session: `renewSessionLock`, which holds the session's messages).
 * - `deadLetter` → `deadLetterMessage` with `DeadLetterReason` and `DeadLetterErrorDescription` (cut at 4,096
 *   characters) and the envelope attribute as a modified property.
 *
 * A lost lock surfaces as an `OmnibusError` with code `LEASE_LOST` (not retryable).
 *
 * @example
 * ```ts
 * const delivery = createDelivery({ message, receiver, spec, host, onSettled });
 * await delivery.release(30); // scheduled copy + complete (or a paused session)
 * ```
 * @module
 */
import { randomUUID } from 'node:crypto';
import type {
  ServiceBusReceivedMessage,
  ServiceBusReceiver,
  ServiceBusSessionReceiver,
} from '@azure/service-bus';
import {
  type Attributes,
  type AttributeValue,
  DEAD_LETTER_ATTRIBUTE,
  decodeMeta,
  encodeMeta,
  META_ATTRIBUTE,
  splitAttributes,
} from '../../core/attributes.js';
import type {
  DeadLetterReason,
  Delivery,
  DriverMessage,
  SendOutcome,
  SourceSpec,
} from '../../core/driver.js';
import { OmnibusError } from '../../core/errors.js';
import { LEASE_LOST, toOmnibusError } from './errors.js';
import { MAX_DEAD_LETTER_REASON_LENGTH } from './limits.js';
import { type IncomingFields, type PassThrough, passThroughOf } from './wire.js';

/** What a delivery needs from the driver. */
export interface DeliveryHost {
  /** Puts copies onto the source (a queue, or one subscription through its topic). */
  redeliver(
    source: SourceSpec,
    messages: readonly DriverMessage[],
    passThrough?: PassThrough,
  ): Promise<SendOutcome[]>;
  readonly secrets: readonly string[];
}

/** The session a delivery came from, when it did. */
export interface SessionControl {
  /** Keeps the session locked and unread for `seconds`. */
  pause(seconds: number): void;
}

/** Options of {@link createDelivery}. */
export interface DeliveryOptions {
  readonly message: ServiceBusReceivedMessage;
  readonly fields: IncomingFields;
  readonly receiver: ServiceBusReceiver | ServiceBusSessionReceiver;
  readonly spec: SourceSpec;
  /** Description for errors, e.g. `queue "billing"`. */
  readonly entity: string;
  readonly host: DeliveryHost;
  /** Set for deliveries of a session. */
  readonly session?: SessionControl | undefined;
  /** True when the delivery comes from a dead-letter sub-queue (no sends there). */
  readonly deadLetterSubQueue: boolean;
  /** Called once the delivery is no longer the caller's: settled, or its lock lost (`lost` true). */
  readonly onSettled: (lost: boolean) => void;
}

/** Code of the error raised when a delivery is settled twice. */
export const ALREADY_SETTLED = 'ALREADY_SETTLED';

function truncate(text: string): string {
  return text.length > MAX_DEAD_LETTER_REASON_LENGTH ? text.slice(0, MAX_DEAD_LETTER_REASON_LENGTH) : text;
}

/**
 * Properties to set when dead-lettering: the attributes whose value differs from the message's (the envelope),
 * strings and numbers only (bytes the message already carries stay as they are).
 *
 * @example
 * ```ts
 * propertiesToModify({ k: 'v' }, { k: 'v', omnibus_dead_letter: '{…}' }); // { omnibus_dead_letter: '{…}' }
 * ```
 */
export function propertiesToModify(
  current: Record<string, unknown> | undefined,
  wanted: Attributes,
): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const key of Object.keys(wanted)) {
    const value = wanted[key] as AttributeValue;
    if ((typeof value === 'string' || typeof value === 'number') && current?.[key] !== value)
      out[key] = value;
  }
  return out;
}

/**
 * The copy that stands for a message released with a delay: the user's attributes plus `omnibus_meta` with the
 * attempts made so far and the original id (a dead letter keeps its envelope instead).
 *
 * @example
 * ```ts
 * copyFor(fields, 30).attributes.omnibus_meta; // 'a=1;id=<original id>'
 * ```
 */
export function copyFor(fields: IncomingFields, delaySeconds: number): DriverMessage {
  const { user, meta, deadLetter } = splitAttributes(fields.attributes);
  let attributes: Attributes;
  if (deadLetter !== undefined) attributes = { ...user, [DEAD_LETTER_ATTRIBUTE]: deadLetter };
  else {
    const previous = decodeMeta(meta);
    attributes = {
      ...user,
      [META_ATTRIBUTE]: encodeMeta({
        attempts: (previous.attempts ?? 0) + fields.deliveryCount,
        originalId: previous.originalId ?? fields.id,
        ...(previous.redrives ? { redrives: previous.redrives } : {}),
      }),
    };
  }
  return {
    body: fields.body,
    attributes,
    orderingKey: fields.orderingKey,
    delaySeconds,
    id: randomUUID(),
  };
}

/**
 * Creates the delivery.
 *
 * @example
 * ```ts
 * const d = createDelivery(options); await d.ack();
 * ```
 */
export function createDelivery(options: DeliveryOptions): Delivery {
  const { message, fields, receiver, spec, entity, host, session } = options;
  let settled = false;
  const finish = (lost = false) => {
    if (settled) return;
    settled = true;
    options.onSettled(lost);
  };
  const settle = async (operation: string, fn: () => Promise<void>): Promise<void> => {
    if (settled) {
      throw new OmnibusError(
        ALREADY_SETTLED,
        `azure: ${operation} on ${entity}: the delivery is already settled`,
        {
          retryable: false,
        },
      );
    }
    try {
      await fn();
      finish();
    } catch (error) {
      const mapped = toOmnibusError(error, operation, entity, { secrets: host.secrets });
      if (mapped.code === LEASE_LOST) finish(true);
      throw mapped;
    }
  };

  const delivery: Delivery = {
    id: fields.id,
    body: fields.body,
    attributes: fields.attributes,
    orderingKey: fields.orderingKey,
    deliveryCount: fields.deliveryCount,
    publishTime: fields.publishTime,
    raw: message,
    ack: () => settle('complete', () => receiver.completeMessage(message)),
    release: (delaySeconds: number) => {
      const delay = Number.isFinite(delaySeconds) ? Math.max(0, delaySeconds) : 0;
      if (delay === 0 || options.deadLetterSubQueue) {
        return settle('abandon', () => receiver.abandonMessage(message));
      }
      if (session) {
        return settle('abandon', async () => {
          await receiver.abandonMessage(message);
          session.pause(delay);
        });
      }
      return settle('release', async () => {
        const [outcome] = await host.redeliver(spec, [copyFor(fields, delay)], passThroughOf(message));
        if (!outcome?.ok) {
          throw (
            outcome?.error ??
            new OmnibusError('RELEASE_FAILED', `azure: the delayed copy to ${entity} failed`)
          );
        }
        await receiver.completeMessage(message);
      });
    },
    extend: async () => {
      if (settled) return;
      try {
        if (session) await (receiver as ServiceBusSessionReceiver).renewSessionLock();
        else await receiver.renewMessageLock(message);
      } catch (error) {
        const mapped = toOmnibusError(error, 'renewLock', entity, { secrets: host.secrets });
        if (mapped.code === LEASE_LOST) finish(true);
        throw mapped;
      }
    },
    deadLetter: (reason: DeadLetterReason) =>
      settle('deadLetter', () =>
        receiver.deadLetterMessage(message, {
          ...propertiesToModify(
            message.applicationProperties as Record<string, unknown> | undefined,
            reason.attributes,
          ),
          deadLetterReason: truncate(reason.reason),
          deadLetterErrorDescription: truncate(reason.description),
        }),
      ),
  };
  return delivery;
}
