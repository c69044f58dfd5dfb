/**
 * Receiving from a session-enabled entity (an ordered queue or subscription: SessionId = ordering key).
 *
 * Service Bus hands out one session per session receiver, so concurrency across keys needs several: the receiver
 * keeps up to `maxInFlight` sessions open (`acceptNextSession`, each waiting at most
 * {@link SESSION_ACCEPT_WAIT_MS}), and reads **one message per session at a time**: the next message of a key is
 * fetched only after the previous one is settled. A session that answers a poll with nothing is closed at once, so
 * idle keys go back to the broker for other consumers.
 *
 * A release with a delay abandons the message (it keeps its place at the head of the session) and pauses the
 * session: still locked by this receiver (the lock renewed every third of its duration) and not read until the delay
 * is over; then the same message comes first again. Ordering holds through retries, and other sessions go on.
 *
 * The SDK's automatic session-lock renewal is off: while a message is in flight the bus extends its lease
 * (`renewSessionLock`), and while paused the receiver renews it. A lost session lock closes that session (its
 * messages come back to whoever accepts it next).
 *
 * Polls run while `receive` is waiting; a message a poll brings after `receive` returned waits for the next call.
 * `close()` closes idle sessions at once and busy ones when their delivery is settled.
 *
 * @example
 * ```ts
 * const receiver = openSessionReceiver(host, spec, address, { maxInFlight: 4, lockSeconds: 30 });
 * ```
 * @module
 */
import type { ServiceBusClient, ServiceBusSessionReceiver } from '@azure/service-bus';
import type { Delivery, ReceiveOptions, Receiver, SourceSpec } from '../../core/driver.js';
import type { OmnibusError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { DeliveryHost, SessionControl } from './delivery.js';
import { LEASE_LOST, toOmnibusError } from './errors.js';
import { MIN_POLL_MS, POLL_CHUNK_MS, type SourceAddress, wrapMessage } from './receiver.js';

/** Longest wait of one `acceptNextSession` (the session client's operation timeout). */
export const SESSION_ACCEPT_WAIT_MS = 5_000;
/** Pause after an accept failed for another reason than "no session available", before trying again. */
export const ACCEPT_RETRY_MS = 1_000;

/** What the session receiver needs from the driver. */
export interface SessionHost extends DeliveryHost {
  /** The client whose operation timeout is {@link SESSION_ACCEPT_WAIT_MS}. */
  sessionClient(): Promise<ServiceBusClient>;
  readonly logger: Logger;
}

/** Options of {@link openSessionReceiver}. */
export interface SessionReceiverOptions {
  readonly maxInFlight: number;
  /** The entity's lock duration, in seconds (paused sessions are renewed every third of it). */
  readonly lockSeconds: number;
}

type SlotState = 'ready' | 'polling' | 'busy' | 'paused' | 'closed';

interface Slot {
  readonly receiver: ServiceBusSessionReceiver;
  state: SlotState;
  timers: ReturnType<typeof setTimeout>[];
}

const NO_SESSION = new Set(['ServiceTimeout', 'SessionCannotBeLocked', 'OperationTimeoutError']);

/**
 * Opens a session receiver.
 *
 * @example
 * ```ts
 * openSessionReceiver(host, spec, { queue: 'orders', deadLetter: false, description: 'queue "orders"' }, { maxInFlight: 2, lockSeconds: 30 });
 * ```
 */
export function openSessionReceiver(
  host: SessionHost,
  spec: SourceSpec,
  address: SourceAddress,
  options: SessionReceiverOptions,
): Receiver {
  const slots = new Set<Slot>();
  const buffered: Delivery[] = [];
  let accepting = 0;
  let acceptBlockedUntil = 0;
  let failure: OmnibusError | undefined;
  let closed = false;
  let wake: (() => void) | undefined;
  const maxSessions = Math.max(1, Math.floor(options.maxInFlight));

  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };

  const active = () => {
    let n = accepting;
    for (const s of slots) if (s.state !== 'paused' && s.state !== 'closed') n++;
    return n;
  };

  const clearTimers = (slot: Slot) => {
    for (const t of slot.timers) clearTimeout(t);
    slot.timers = [];
  };

  const closeSlot = async (slot: Slot) => {
    if (slot.state === 'closed') return;
    slot.state = 'closed';
    clearTimers(slot);
    slots.delete(slot);
    notify();
    await slot.receiver.close().catch(() => undefined);
  };

  const pause = (slot: Slot, seconds: number) => {
    if (slot.state === 'closed') return;
    slot.state = 'paused';
    clearTimers(slot);
    const every = Math.max(1_000, (options.lockSeconds * 1_000) / 3);
    const renew = () => {
      const t = setTimeout(() => {
        if (slot.state !== 'paused') return;
        slot.receiver.renewSessionLock().then(renew, (error: unknown) => {
          const mapped = toOmnibusError(error, 'renewSessionLock', address.description, {
            secrets: host.secrets,
          });
          host.logger.warn('session lock renewal failed; closing the session', {
            source: address.description,
            error: mapped.message,
          });
          void closeSlot(slot);
        });
      }, every);
      t.unref?.();
      slot.timers.push(t);
    };
    renew();
    const resume = setTimeout(() => {
      if (slot.state !== 'paused') return;
      clearTimers(slot);
      if (closed) void closeSlot(slot);
      else {
        slot.state = 'ready';
        notify();
      }
    }, seconds * 1_000);
    resume.unref?.();
    slot.timers.push(resume);
  };

  const settledOn = (slot: Slot) => (lost: boolean) => {
    if (lost || closed) {
      void closeSlot(slot);
      return;
    }
    if (slot.state === 'busy') slot.state = 'ready';
    notify();
  };

  const accept = () => {
    accepting++;
    const attempt = (async () => {
      const client = await host.sessionClient();
      const sessionOptions = {
        receiveMode: 'peekLock' as const,
        skipParsingBodyAsJson: true,
        skipConvertingDate: true,
        maxAutoLockRenewalDurationInMs: 0,
      };
      return address.subscription !== undefined
        ? client.acceptNextSession(address.topic ?? '', address.subscription, sessionOptions)
        : client.acceptNextSession(address.queue ?? '', sessionOptions);
    })();
    attempt.then(
      (receiver) => {
        accepting--;
        const slot: Slot = { receiver, state: 'ready', timers: [] };
        if (closed) {
          void receiver.close().catch(() => undefined);
          return;
        }
        slots.add(slot);
        notify();
      },
      (error: unknown) => {
        accepting--;
        const code = (error as { code?: unknown })?.code;
        if (!(typeof code === 'string' && NO_SESSION.has(code)) && !closed) {
          const mapped = toOmnibusError(error, 'acceptNextSession', address.description, {
            secrets: host.secrets,
          });
          failure = mapped;
          acceptBlockedUntil = Date.now() + ACCEPT_RETRY_MS;
        }
        notify();
      },
    );
  };

  const fill = () => {
    if (closed || Date.now() < acceptBlockedUntil) return;
    while (active() < maxSessions) accept();
  };

  const poll = (slot: Slot, waitMs: number) => {
    slot.state = 'polling';
    slot.receiver.receiveMessages(1, { maxWaitTimeInMs: waitMs }).then(
      (messages) => {
        const [message] = messages;
        if (!message || slot.state !== 'polling') {
          void closeSlot(slot); // an empty session goes back to the broker
          return;
        }
        slot.state = 'busy';
        const control: SessionControl = { pause: (seconds) => pause(slot, seconds) };
        buffered.push(wrapMessage(host, spec, address, slot.receiver, message, settledOn(slot), control));
        notify();
      },
      (error: unknown) => {
        const mapped = toOmnibusError(error, 'receive', address.description, { secrets: host.secrets });
        if (mapped.code !== LEASE_LOST && !closed) {
          host.logger.warn('session receive failed; closing the session', {
            source: address.description,
            error: mapped.message,
          });
        }
        void closeSlot(slot);
      },
    );
  };

  const waitForChange = (ms: number, signal: AbortSignal | undefined) =>
    new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        if (wake === done) wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      signal?.addEventListener('abort', done, { once: true });
      wake = done;
    });

  return {
    async receive(max: number, receiveOptions: ReceiveOptions): Promise<Delivery[]> {
      const deadline = Date.now() + Math.max(0, receiveOptions.waitSeconds) * 1_000;
      const want = Math.max(1, Math.floor(max));
      for (;;) {
        if (buffered.length > 0) return buffered.splice(0, want);
        if (failure) {
          const error = failure;
          failure = undefined;
          throw error;
        }
        if (closed || receiveOptions.signal?.aborted) return [];
        fill();
        let polling = 0;
        for (const s of slots) if (s.state === 'polling') polling++;
        const pollWait = Math.max(MIN_POLL_MS, Math.min(POLL_CHUNK_MS, deadline - Date.now()));
        for (const s of slots) {
          if (polling >= want) break;
          if (s.state === 'ready') {
            poll(s, pollWait);
            polling++;
          }
        }
        const left = deadline - Date.now();
        if (left <= 0) {
          // Give polls started with the minimum wait their chance, then return what they brought.
          if (polling > 0) await waitForChange(MIN_POLL_MS * 2, receiveOptions.signal);
          return buffered.splice(0, want);
        }
        await waitForChange(Math.min(left, POLL_CHUNK_MS), receiveOptions.signal);
      }
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      notify();
      const closing: Promise<void>[] = [];
      for (const d of buffered.splice(0)) closing.push(d.release(0).catch(() => undefined));
      for (const s of slots) if (s.state !== 'busy') closing.push(closeSlot(s));
      await Promise.all(closing);
    },
  };
}
