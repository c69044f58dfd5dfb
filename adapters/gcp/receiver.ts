/**
 * The receiver: a buffer in front of one self-reconnecting streaming pull (pull-stream.ts), opened on the first
 * `receive` call.
 *
 * - Flow control: the stream asks for at most `maxInFlight` outstanding messages. Messages it delivers wait in the
 *   buffer until `receive(max)` hands them out; while they wait the receiver keeps their leases (a
 *   `ModifyAckDeadline` every third of the lease), so a buffered message is not redelivered. (The emulator ignores
 *   `max_outstanding_messages` and streams the whole backlog; the real service honours it.)
 * - Idle receivers let go: when a `receive` is aborted, or nobody has asked for messages for a whole lease (the
 *   consumer is busy with long handlers, or its owner stopped receiving without closing), the stream is closed and
 *   buffered messages are handed back (`ModifyAckDeadline` 0) for other consumers; the next `receive` opens the
 *   stream again.
 * - A second copy of a buffered message (a redelivery) replaces the first, and deliveries that never reached the
 *   bus (replaced or handed back) are not counted in `deliveryCount` when the message comes back here (they were
 *   not attempts; other consumers, and the broker's dead-letter policy, do count them).
 * - Ordered sources: one message per ordering key at a time, and after a release the key waits for that message to
 *   come back (key-gate.ts); copies of messages this receiver already acknowledged (Pub/Sub redelivers a key's later
 *   messages, acknowledged ones included, after a nack) are acknowledged and dropped.
 * - Settling uses unary calls (settler.ts). The client library's automatic lease management is not used: core owns
 *   lease extension, so `extend(s)` is `ModifyAckDeadline(s)` and `release(d)` is `ModifyAckDeadline(d)`.
 * - Copies redelivered to another subscription of the topic (`omnibus_target` naming another subscription) are
 *   acknowledged and dropped.
 * - A non-retryable stream error is thrown by the next `receive` that has nothing to hand out; the stream opens
 *   again on the call after.
 * - On close, buffered messages are handed back at once (`ModifyAckDeadline` 0).
 *
 * @example
 * ```ts
 * const receiver = driver.openReceiver(spec, { maxInFlight: 8, leaseSeconds: 30 });
 * const deliveries = await receiver.receive(8, { waitSeconds: 5 });
 * ```
 * @module
 */
import type { Delivery, ReceiveOptions, Receiver, SourceSpec } from '../../core/driver.js';
import type { OmnibusError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import { TARGET_ATTRIBUTE } from './attribute-codec.js';
import type { ClientSet } from './clients.js';
import { clampLease, clampRelease } from './deadlines.js';
import { readIncoming } from './incoming.js';
import { KeyGate } from './key-gate.js';
import { PullStream, type ReceivedMessage } from './pull-stream.js';
import type { Settler } from './settler.js';

/** Message ids remembered per receiver (redelivery counts, acknowledged ids); the oldest are forgotten first. */
const MAX_REMEMBERED_IDS = 10_000;

/** What a receiver needs from its driver. */
export interface ReceiverContext {
  readonly clients: () => Promise<ClientSet>;
  readonly settler: Settler;
  readonly source: SourceSpec;
  /** The Pub/Sub subscription id this receiver reads. */
  readonly subscriptionId: string;
  readonly maxInFlight: number;
  readonly leaseSeconds: number;
  readonly logger: Logger;
  /** Called once when the receiver has closed. */
  readonly onClosed: (receiver: StreamingPullReceiver) => void;
}

interface Buffered {
  readonly received: ReceivedMessage;
  readonly id: string;
  readonly key: string | undefined;
  leasedAt: number;
}

function remember<V>(map: Map<string, V>, key: string, value: V): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > MAX_REMEMBERED_IDS) {
    const oldest = map.keys().next().value;
    if (oldest !== undefined) map.delete(oldest);
  }
}

/** A receiver on one Pub/Sub subscription; see the module notes. */
export class StreamingPullReceiver implements Receiver {
  readonly #ctx: ReceiverContext;
  readonly #lease: number;
  readonly #stream: PullStream;
  readonly #buffer: Buffered[] = [];
  readonly #byId = new Map<string, Buffered>();
  /** Deliveries of a message id that were replaced in the buffer, never handed out. */
  readonly #hidden = new Map<string, number>();
  /** Ordered sources: ids this receiver acknowledged. */
  readonly #acked: Map<string, true> | undefined;
  readonly #gate: KeyGate | undefined;
  readonly #wakers = new Set<() => void>();
  #path: string | undefined;
  #failure: OmnibusError | undefined;
  #leaseKeeper: NodeJS.Timeout | undefined;
  /** When `receive` was last called or last returned (epoch ms), and how many calls are waiting now. */
  #lastDemand = Date.now();
  #waiting = 0;
  #closed = false;
  #closing: Promise<void> | undefined;

  constructor(ctx: ReceiverContext) {
    this.#ctx = ctx;
    this.#lease = clampLease(ctx.leaseSeconds);
    if (ctx.source.ordered) {
      this.#gate = new KeyGate(this.#lease * 1000);
      this.#acked = new Map();
    }
    this.#stream = new PullStream({
      clients: ctx.clients,
      subscriptionId: ctx.subscriptionId,
      leaseSeconds: this.#lease,
      maxOutstanding: ctx.maxInFlight,
      onMessages: (path, messages) => this.#onMessages(path, messages),
      onFailure: (error) => {
        this.#failure = error;
        this.#wake();
      },
    });
  }

  async receive(max: number, options: ReceiveOptions): Promise<Delivery[]> {
    if (this.#closed || max <= 0) return [];
    this.#lastDemand = Date.now();
    let out = this.#take(max);
    if (out.length > 0) return out;
    this.#throwFailure();
    this.#stream.start();
    this.#waiting++;
    try {
      await this.#wait(options.waitSeconds, options.signal);
    } finally {
      this.#waiting--;
      this.#lastDemand = Date.now();
    }
    if (options.signal?.aborted) {
      // The caller stopped receiving: keep nothing for it (the buffer goes back for other consumers).
      if (this.#waiting === 0) this.#letGo();
      return [];
    }
    out = this.#take(max);
    if (out.length === 0) this.#throwFailure();
    return out;
  }

  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    this.#closed = true;
    this.#stream.stop();
    this.#stopLeaseKeeper();
    this.#wake();
    const left = this.#buffer.splice(0);
    this.#byId.clear();
    const path = this.#path;
    if (path && left.length > 0) {
      await Promise.allSettled(
        left.map((b) => this.#ctx.settler.modAck(path, b.received.ackId as string, 0)),
      );
    }
    this.#ctx.onClosed(this);
  }

  /** Throws (once) the failure the stream reported. */
  #throwFailure(): void {
    const failure = this.#failure;
    if (failure === undefined) return;
    this.#failure = undefined;
    throw failure;
  }

  #drop(path: string, received: ReceivedMessage, why: string): void {
    this.#ctx.settler.ack(path, received.ackId as string).catch((error: unknown) =>
      this.#ctx.logger.warn(`could not drop ${why}`, {
        subscription: this.#ctx.subscriptionId,
        error: String(error),
      }),
    );
  }

  #onMessages(path: string, messages: readonly ReceivedMessage[]): void {
    if (this.#closed) return;
    this.#path = path;
    const now = Date.now();
    for (const received of messages) {
      const message = received.message;
      const id = message?.messageId ?? '';
      const target = message?.attributes?.[TARGET_ATTRIBUTE];
      if (target !== undefined && target !== this.#ctx.subscriptionId) {
        this.#drop(path, received, 'a copy meant for another subscription');
        continue;
      }
      if (this.#acked?.has(id)) {
        this.#drop(path, received, 'a redelivered copy of an acknowledged message');
        continue;
      }
      const old = this.#byId.get(id);
      if (old) {
        // A redelivery of a message still waiting here: keep the newer copy (its ack id is the live one).
        this.#buffer.splice(this.#buffer.indexOf(old), 1);
        remember(this.#hidden, id, (this.#hidden.get(id) ?? 0) + 1);
      }
      const entry: Buffered = { received, id, key: message?.orderingKey || undefined, leasedAt: now };
      this.#buffer.push(entry);
      this.#byId.set(id, entry);
    }
    if (this.#buffer.length > 0) this.#startLeaseKeeper(path);
    this.#wake();
  }

  /** Hands out up to `max` buffered messages, in order, skipping keys that are held. */
  #take(max: number): Delivery[] {
    const path = this.#path;
    if (!path || this.#buffer.length === 0) return [];
    const out: Delivery[] = [];
    const now = Date.now();
    for (let i = 0; i < this.#buffer.length && out.length < max; ) {
      const b = this.#buffer[i] as Buffered;
      if (this.#acked?.has(b.id)) {
        this.#remove(i, b);
        this.#drop(path, b.received, 'a redelivered copy of an acknowledged message');
        continue;
      }
      if (this.#gate && b.key !== undefined && !this.#gate.tryHandOut(b.key, b.id, now)) {
        i++;
        continue;
      }
      this.#remove(i, b);
      out.push(this.#toDelivery(path, b));
    }
    return out;
  }

  #remove(index: number, b: Buffered): void {
    this.#buffer.splice(index, 1);
    if (this.#byId.get(b.id) === b) this.#byId.delete(b.id);
  }

  #toDelivery(path: string, b: Buffered): Delivery {
    const parts = readIncoming(b.received, this.#ctx.source.format);
    const ackId = b.received.ackId as string;
    const { settler } = this.#ctx;
    const gate = this.#gate;
    const key = b.key;
    const id = b.id;
    const hidden = this.#hidden.get(id) ?? 0;
    return {
      id: parts.id,
      body: parts.body,
      attributes: parts.attributes,
      orderingKey: parts.orderingKey,
      deliveryCount:
        parts.deliveryAttempt === undefined ? undefined : Math.max(1, parts.deliveryAttempt - hidden),
      publishTime: parts.publishTime,
      raw: b.received,
      ack: async () => {
        try {
          await settler.ack(path, ackId);
          if (this.#acked) remember(this.#acked, id, true);
        } finally {
          if (gate && key !== undefined) {
            gate.acked(key, id);
            this.#wake();
          }
        }
      },
      release: async (delaySeconds: number) => {
        const seconds = clampRelease(delaySeconds);
        try {
          await settler.modAck(path, ackId, seconds);
        } finally {
          if (gate && key !== undefined) {
            gate.released(key, id, seconds * 1000, Date.now());
            this.#wake();
          }
        }
      },
      extend: async (leaseSeconds: number) => {
        if (gate && key !== undefined) gate.touched(key, id, Date.now());
        await settler.modAck(path, ackId, clampLease(leaseSeconds));
      },
    };
  }

  #startLeaseKeeper(path: string): void {
    if (this.#leaseKeeper) return;
    const every = Math.max(1000, (this.#lease * 1000) / 3);
    this.#leaseKeeper = setInterval(() => {
      if (this.#buffer.length === 0) {
        this.#stopLeaseKeeper();
        return;
      }
      const now = Date.now();
      if (this.#waiting === 0 && now - this.#lastDemand >= this.#lease * 1000) {
        this.#letGo();
        return;
      }
      for (const b of this.#buffer) {
        if (now - b.leasedAt < every - 250) continue;
        b.leasedAt = now;
        this.#ctx.settler.modAck(path, b.received.ackId as string, this.#lease).catch((error: unknown) =>
          this.#ctx.logger.warn('could not keep the lease of a buffered message', {
            subscription: this.#ctx.subscriptionId,
            error: String(error),
          }),
        );
      }
    }, every);
    this.#leaseKeeper.unref();
  }

  /** Nobody is receiving: close the stream and hand the buffered messages back for other consumers. */
  #letGo(): void {
    this.#stream.stop();
    this.#stopLeaseKeeper();
    const path = this.#path;
    if (!path) return;
    const left = this.#buffer.splice(0);
    this.#byId.clear();
    for (const b of left) {
      remember(this.#hidden, b.id, (this.#hidden.get(b.id) ?? 0) + 1);
      this.#ctx.settler.modAck(path, b.received.ackId as string, 0).catch((error: unknown) =>
        this.#ctx.logger.warn('could not hand back a buffered message', {
          subscription: this.#ctx.subscriptionId,
          error: String(error),
        }),
      );
    }
  }

  #stopLeaseKeeper(): void {
    clearInterval(this.#leaseKeeper);
    this.#leaseKeeper = undefined;
  }

  /** Waits for news (messages, a settled key, a failure), the signal, `waitSeconds`, or a held key letting go. */
  #wait(waitSeconds: number, signal: AbortSignal | undefined): Promise<void> {
    if (signal?.aborted) return Promise.resolve();
    let ms = Math.max(0, waitSeconds) * 1000;
    const next = this.#buffer.length > 0 ? this.#gate?.nextChangeAt() : undefined;
    if (next !== undefined) ms = Math.min(ms, Math.max(0, next - Date.now()));
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        this.#wakers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal?.addEventListener('abort', done, { once: true });
      this.#wakers.add(done);
    });
  }

  #wake(): void {
    for (const wake of [...this.#wakers]) wake();
  }
}
