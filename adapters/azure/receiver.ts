/**
 * Receiving from an entity without sessions: one peek-lock `ServiceBusReceiver`, pulled with
 * `receiveMessages(max, { maxWaitTimeInMs })` in polls of at most one second, so an aborted receive returns within
 * a second and no poll is left holding link credit (a message sent after the abort is not taken by it). Messages a
 * poll brings after its receive was aborted are abandoned (back at once, delivery count + 1): the caller is gone.
 * The SDK's automatic lock renewal is off: the bus extends leases itself (`Delivery.extend`).
 *
 * `close()` stops receiving; the link stays open until every delivery it returned is settled (Service Bus settles
 * through the link that received), or until the driver closes.
 *
 * @example
 * ```ts
 * const receiver = openPlainReceiver(host, spec, address);
 * const deliveries = await receiver.receive(10, { waitSeconds: 5 });
 * ```
 * @module
 */
import type { ServiceBusClient, ServiceBusReceivedMessage, ServiceBusReceiver } from '@azure/service-bus';
import type { Delivery, ReceiveOptions, Receiver, SourceSpec } from '../../core/driver.js';
import { createDelivery, type DeliveryHost, type SessionControl } from './delivery.js';
import { toOmnibusError } from './errors.js';
import { MAX_RECEIVE_COUNT } from './limits.js';
import { fromReceived } from './wire.js';

/** Longest single poll, so aborts and closes are noticed within it. */
export const POLL_CHUNK_MS = 1_000;
/** Shortest poll (a receive with `waitSeconds: 0` still gives the broker this long to answer). */
export const MIN_POLL_MS = 100;

/** Where a receiver reads: a queue, a subscription, or one of their dead-letter sub-queues. */
export interface SourceAddress {
  readonly queue?: string | undefined;
  readonly topic?: string | undefined;
  readonly subscription?: string | undefined;
  /** Read the entity's `$DeadLetterQueue`. */
  readonly deadLetter: boolean;
  /** For errors: `queue "billing"`, `subscription "orders/audit"`, `dead-letter queue of queue "billing"`. */
  readonly description: string;
}

/** What receivers need from the driver. */
export interface ReceiverHost extends DeliveryHost {
  client(): Promise<ServiceBusClient>;
}

/**
 * Wraps a received message as a delivery (shared by the plain and session receivers).
 *
 * @example
 * ```ts
 * const delivery = wrapMessage(host, spec, address, receiver, message, () => outstanding--);
 * ```
 */
export function wrapMessage(
  host: DeliveryHost,
  spec: SourceSpec,
  address: SourceAddress,
  receiver: Parameters<typeof createDelivery>[0]['receiver'],
  message: ServiceBusReceivedMessage,
  onSettled: (lost: boolean) => void,
  session?: SessionControl,
): Delivery {
  return createDelivery({
    message,
    fields: fromReceived(message, spec.format),
    receiver,
    spec,
    entity: address.description,
    host,
    session,
    deadLetterSubQueue: address.deadLetter,
    onSettled,
  });
}

/**
 * Opens a plain (sessionless) receiver.
 *
 * @example
 * ```ts
 * openPlainReceiver(host, spec, { queue: 'billing', deadLetter: false, description: 'queue "billing"' });
 * ```
 */
export function openPlainReceiver(host: ReceiverHost, spec: SourceSpec, address: SourceAddress): Receiver {
  let sdk: Promise<ServiceBusReceiver> | undefined;
  let outstanding = 0;
  let closed = false;
  let linkClosed = false;

  const link = (): Promise<ServiceBusReceiver> => {
    sdk ??= host.client().then((client) => {
      const options = {
        receiveMode: 'peekLock' as const,
        skipParsingBodyAsJson: true,
        // The SDK's date conversion copies Buffer properties into plain objects; dates are converted in wire.ts.
        skipConvertingDate: true,
        maxAutoLockRenewalDurationInMs: 0,
        ...(address.deadLetter ? { subQueueType: 'deadLetter' as const } : {}),
      };
      return address.subscription !== undefined
        ? client.createReceiver(address.topic ?? '', address.subscription, options)
        : client.createReceiver(address.queue ?? '', options);
    });
    return sdk;
  };

  const closeLink = async () => {
    if (linkClosed || !sdk) return;
    linkClosed = true;
    const r = await sdk.catch(() => undefined);
    await r?.close().catch(() => undefined);
  };

  const onSettled = () => {
    outstanding--;
    if (closed && outstanding === 0) void closeLink();
  };

  return {
    async receive(max: number, options: ReceiveOptions): Promise<Delivery[]> {
      if (closed) return [];
      const deadline = Date.now() + Math.max(0, options.waitSeconds) * 1_000;
      const count = Math.max(1, Math.min(Math.floor(max), MAX_RECEIVE_COUNT));
      const receiver = await link().catch((error: unknown) => {
        throw toOmnibusError(error, 'createReceiver', address.description, { secrets: host.secrets });
      });
      for (;;) {
        if (options.signal?.aborted || closed) return [];
        const wait = Math.max(MIN_POLL_MS, Math.min(POLL_CHUNK_MS, deadline - Date.now()));
        let messages: ServiceBusReceivedMessage[];
        try {
          // Not cancelled on abort: a cancelled receive would leave link credit that takes the next message
          // without anyone listening. The poll ends within POLL_CHUNK_MS, with its credit drained.
          messages = await receiver.receiveMessages(count, { maxWaitTimeInMs: wait });
        } catch (error) {
          if (linkClosed) return [];
          throw toOmnibusError(error, 'receive', address.description, { secrets: host.secrets });
        }
        if (messages.length > 0 && (options.signal?.aborted || closed)) {
          // Taken after the caller gave up (a consumer closing): back to the broker (delivery count + 1).
          await Promise.allSettled(messages.map((m) => receiver.abandonMessage(m)));
          return [];
        }
        if (messages.length > 0) {
          outstanding += messages.length;
          return messages.map((m) => wrapMessage(host, spec, address, receiver, m, onSettled));
        }
        if (Date.now() >= deadline) return [];
      }
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      if (outstanding === 0) await closeLink();
    },
  };
}
