/**
 * One queue or subscription of the memory broker: real broker semantics over heaps, never a scan.
 *
 * - `candidates`: messages that can be delivered, by (availability time, sequence). A message sent now is available
 *   now; a delayed or released one later. Receiving pops the front while it is due.
 * - `leases`: in-flight messages by lease expiry. An expired lease makes the message a candidate again (redelivery)
 *   or, after `maxDeliveries`, moves it to the dead-letter queue with the Omnibus envelope.
 * - ordering groups: on an ordered entity only the head of each ordering key is a candidate or in flight; the rest
 *   wait in a per-key deque, so a group blocks while one of its messages is in flight and a released head comes
 *   back before the messages behind it.
 * - `delayMarks`: when each delayed message becomes ready, to keep the delayed count exact in O(1).
 * - retention: a message past `retentionSeconds` is dropped when it is next considered (popped as a candidate, or
 *   its lease expires), like SQS, Pub/Sub and Service Bus TTL.
 *
 * Every structure deletes lazily: a state change bumps the message's generation, so older heap entries are dead.
 * At most ONE clock timer per entity is armed, for the next lease expiry (or, while a receive waits, the next
 * delayed message), so a million messages never make a million timers.
 *
 * @example
 * ```ts
 * const store = new Store(settings, host);
 * store.accept({ id: 'm-1', body: '{}', attributes: {}, hasBytes: false, orderingKey: undefined, delayMs: 0 });
 * store.changed();
 * const [delivery] = store.take(1, 30_000);
 * ```
 * @module
 */
import type { Attributes } from '../../core/attributes.js';
import { decodeMeta, splitAttributes } from '../../core/attributes.js';
import type { Clock, Timer } from '../../core/clock.js';
import type { Capabilities, DeadLetterReason } from '../../core/driver.js';
import { buildEnvelope, encodeEnvelope, readEnvelope } from '../../core/envelope.js';
import { NotFoundError, OmnibusError } from '../../core/errors.js';
import type { Filter } from '../../core/filter.js';
import { messageBytes } from '../../core/limits.js';
import { DedupWindow } from './dedup.js';
import { MemoryDelivery } from './delivery.js';
import { Deque } from './deque.js';
import type { FaultState } from './faults.js';
import { type DeadLetterInfo, StoredMessage } from './message.js';
import { Timeline } from './timeline.js';

/**
 * Code of the error a settle call throws once its delivery's lease is lost (like Service Bus's MessageLockLost).
 *
 * @example
 * ```ts
 * if (OmnibusError.isInstance(err) && err.code === LEASE_LOST) return; // someone else has the message now
 * ```
 */
export const LEASE_LOST = 'LEASE_LOST';

/**
 * Reason recorded when the broker dead-letters a message after too many deliveries.
 *
 * @example
 * ```ts
 * readEnvelope(dead.attributes)?.reason === MAX_DELIVERIES_REASON; // 'max-deliveries'
 * ```
 */
export const MAX_DELIVERIES_REASON = 'max-deliveries';

/** Attribute the dead-letter envelope travels in (`omnibus_dead_letter`). */
const DEAD_LETTER_ATTRIBUTE = 'omnibus_dead_letter';

/**
 * Settings of a queue or subscription (from its spec; updated by a later `provision`).
 *
 * @example
 * ```ts
 * store.settings.maxDeliveries; // 5
 * ```
 */
export interface StoreSettings {
  /** Queue name or `topic/subscription`. */
  readonly path: string;
  readonly kind: 'queue' | 'subscription';
  readonly ordered: boolean;
  readonly leaseSeconds: number;
  readonly retentionSeconds: number;
  /** Default delay of every message (queues). */
  readonly delaySeconds: number;
  readonly maxDeliveries: number | undefined;
  readonly deadLetterQueue: string | undefined;
  /** Broker dedup window (queues; a topic dedups before fan-out). */
  readonly dedupWindowSeconds: number | undefined;
  /** Server-side filter (subscriptions). */
  readonly filter: Filter | undefined;
}

/**
 * What a store needs from its driver.
 *
 * @example
 * ```ts
 * const host: StoreHost = { clock, caps, faults, nativeDeadLetter: true, deadLetterStore: (n) => queues.get(n) };
 * ```
 */
export interface StoreHost {
  readonly clock: Clock;
  readonly caps: Capabilities;
  readonly faults: FaultState;
  /** Whether deliveries carry `deadLetter` (native dead-lettering with a reason). */
  readonly nativeDeadLetter: boolean;
  /** The queue named `name`, to dead-letter into; undefined when it does not exist. */
  deadLetterStore(name: string): Store | undefined;
}

/**
 * A message handed to {@link Store.accept}.
 *
 * @example
 * ```ts
 * store.accept({ id: 'm-1', body: '{}', attributes: {}, hasBytes: false, orderingKey: undefined, delayMs: 0 });
 * ```
 */
export interface AcceptInput {
  readonly id: string;
  readonly body: string | Uint8Array;
  /** Frozen by the caller. */
  readonly attributes: Attributes;
  readonly hasBytes: boolean;
  readonly orderingKey: string | undefined;
  /** Delay before it can be delivered, in ms. */
  readonly delayMs: number;
  readonly deadLetter?: DeadLetterInfo | undefined;
}

/**
 * Message counts of one entity.
 *
 * @example
 * ```ts
 * const { ready, inFlight, delayed, total } = driver.inspect('billing'); // total = ready + inFlight + delayed
 * ```
 */
export interface EntityCounts {
  /** Not leased and not delayed (on ordered entities, including messages blocked behind their group's head). */
  readonly ready: number;
  /** Leased to a consumer. */
  readonly inFlight: number;
  /** Waiting for a delay or a delayed release to pass. */
  readonly delayed: number;
  /** Everything stored. */
  readonly total: number;
}

interface Group {
  readonly key: string;
  /** The lowest-sequence message of the group: a candidate or in flight. */
  head: StoredMessage | undefined;
  /** The rest, in sequence order. */
  readonly waiting: Deque<StoredMessage>;
}

interface Waiter {
  readonly max: number;
  readonly leaseMs: number;
  finish(deliveries: MemoryDelivery[]): void;
}

function leaseLost(msg: StoredMessage, path: string): OmnibusError {
  return new OmnibusError(
    LEASE_LOST,
    `memory: the lease on message ${msg.id} of ${path} is lost (it expired and the message was redelivered, ` +
      'dead-lettered or removed, or its consumer crashed)',
    { retryable: false },
  );
}

/**
 * One queue or subscription; see the module description.
 *
 * @example
 * ```ts
 * store.counts(); // { ready: 3, inFlight: 1, delayed: 0, total: 4 }
 * ```
 */
export class Store {
  settings: StoreSettings;
  readonly host: StoreHost;
  /** Dedup ids seen (queues with a dedup window). */
  readonly dedup = new DedupWindow();
  /** True once the store was purged or reset away: its deliveries can no longer settle. */
  detached = false;

  #seq = 0;
  #marks = 0;
  #total = 0;
  #inFlight = 0;
  #delayed = 0;
  readonly #candidates = new Timeline<StoredMessage>(
    (e) => e.item.state === 'pending' && e.gen === e.item.gen,
  );
  readonly #leases = new Timeline<StoredMessage>((e) => e.item.state === 'inflight' && e.gen === e.item.gen);
  readonly #delayMarks = new Timeline<StoredMessage>((e) => e.gen === e.item.delayMark);
  readonly #groups = new Map<string, Group>();
  readonly #inFlightSet = new Set<StoredMessage>();
  readonly #waiters = new Set<Waiter>();
  #timer: Timer | undefined;
  #armedAt = Number.POSITIVE_INFINITY;

  constructor(settings: StoreSettings, host: StoreHost) {
    this.settings = settings;
    this.host = host;
  }

  /** Message counts, exact, in O(1) (after processing what fell due). */
  counts(): EntityCounts {
    this.#sync(this.host.clock.now());
    return {
      ready: this.#total - this.#inFlight - this.#delayed,
      inFlight: this.#inFlight,
      delayed: this.#delayed,
      total: this.#total,
    };
  }

  /** Enqueues one message; call {@link Store.changed} after a batch so waiting receivers are served. */
  accept(input: AcceptInput): StoredMessage {
    const now = this.host.clock.now();
    const delay = Number.isFinite(input.delayMs) && input.delayMs > 0 ? input.delayMs : 0;
    const msg = new StoredMessage(
      input.id,
      ++this.#seq,
      input.body,
      input.attributes,
      input.hasBytes,
      input.orderingKey,
      now,
      now + delay,
    );
    if (input.deadLetter !== undefined) msg.deadLetter = input.deadLetter;
    this.#total++;
    if (delay > 0) this.#markDelayed(msg);
    this.#place(msg);
    return msg;
  }

  /** After any change: processes what fell due, serves waiting receivers, re-arms the entity's timer. */
  changed(): void {
    if (this.detached) return;
    const now = this.host.clock.now();
    this.#sync(now);
    this.#serve(now);
    this.#schedule(now);
  }

  /** Delivers up to `max` due messages now, each leased for `leaseMs`. */
  take(max: number, leaseMs: number): MemoryDelivery[] {
    const now = this.host.clock.now();
    this.#sync(now);
    const out = this.#takeNow(max, leaseMs, now);
    this.#serve(now);
    this.#schedule(now);
    return out;
  }

  /**
   * Waits up to `waitMs` for deliverable messages, then delivers up to `max`; resolves with [] on timeout, abort,
   * receiver close or driver close. `owner` tracks the waiter for its receiver.
   */
  wait(
    max: number,
    leaseMs: number,
    waitMs: number,
    signal: AbortSignal | undefined,
    owner: Set<{ finish(d: MemoryDelivery[]): void }>,
  ): Promise<MemoryDelivery[]> {
    return new Promise((resolve) => {
      let timer: Timer | undefined;
      const onAbort = () => waiter.finish([]);
      const waiter: Waiter = {
        max,
        leaseMs,
        finish: (deliveries) => {
          if (!this.#waiters.delete(waiter)) return;
          owner.delete(waiter);
          timer?.cancel();
          signal?.removeEventListener('abort', onAbort);
          resolve(deliveries);
        },
      };
      this.#waiters.add(waiter);
      owner.add(waiter);
      timer = this.host.clock.setTimer(() => waiter.finish([]), waitMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#schedule(this.host.clock.now());
    });
  }

  /** Acks: removes the message (or, for a lost ack, leaves it to come back after its lease). */
  ack(msg: StoredMessage, token: number, lose: boolean): void {
    this.#claim(msg, token);
    if (lose) return;
    this.#remove(msg);
    this.changed();
  }

  /** Makes the message available again after `delayMs` (or dead-letters it when it used up its deliveries). */
  release(msg: StoredMessage, token: number, delayMs: number): void {
    const now = this.#claim(msg, token);
    if (!this.#deadLetterIfExhausted(msg, now)) {
      this.#leaveInFlight(msg);
      this.#unmarkDelayed(msg);
      msg.availableAt = now + delayMs;
      if (delayMs > 0) this.#markDelayed(msg);
      this.#makeCandidate(msg);
    }
    this.changed();
  }

  /** Resets the lease to `leaseMs` from now; throws LEASE_LOST when the lease already expired. */
  extend(msg: StoredMessage, token: number, leaseMs: number): void {
    const now = this.#claim(msg, token);
    if (msg.state !== 'inflight') throw leaseLost(msg, this.settings.path);
    msg.leaseExpiresAt = now + leaseMs;
    msg.gen++;
    this.#leases.push(msg.leaseExpiresAt, msg.seq, msg, msg.gen);
    this.changed();
  }

  /** Moves the message to the dead-letter queue with the given attributes (native dead-lettering with a reason). */
  deadLetter(msg: StoredMessage, token: number, reason: DeadLetterReason): void {
    this.#claim(msg, token);
    const name = this.settings.deadLetterQueue;
    if (name === undefined) {
      throw new OmnibusError(
        'NO_DEAD_LETTER_TARGET',
        `memory: ${this.settings.path} has no dead-letter queue`,
      );
    }
    const target = this.host.deadLetterStore(name);
    if (target === undefined || target === this) {
      throw new NotFoundError(`queue "${name}" (dead-letter queue of ${this.settings.path})`);
    }
    this.#moveTo(target, msg, reason.attributes, {
      reason: reason.reason,
      description: reason.description,
      source: this.settings.path,
    });
    this.changed();
  }

  /** Orphans every in-flight delivery (the consumer died); the messages come back when their leases expire. */
  crash(): number {
    this.#sync(this.host.clock.now());
    for (const msg of this.#inFlightSet) msg.token++;
    return this.#inFlightSet.size;
  }

  /** Cancels the timer and ends waiting receives with [] (driver close); the messages stay. */
  suspend(): void {
    this.#timer?.cancel();
    this.#timer = undefined;
    this.#armedAt = Number.POSITIVE_INFINITY;
    for (const waiter of [...this.#waiters]) waiter.finish([]);
  }

  /** Suspends for good: the store was purged or reset away; its deliveries throw LEASE_LOST. */
  detach(): void {
    this.suspend();
    this.detached = true;
  }

  // ---- internals ----

  /** Validates a settle call; returns now. */
  #claim(msg: StoredMessage, token: number): number {
    const now = this.host.clock.now();
    this.#sync(now);
    if (this.detached || msg.token !== token || msg.state === 'gone')
      throw leaseLost(msg, this.settings.path);
    return now;
  }

  /** Processes expired leases and delays that have passed. */
  #sync(now: number): void {
    for (;;) {
      const e = this.#leases.peek();
      if (e === undefined || e.at > now) break;
      this.#leases.pop();
      this.#expire(e.item, e.at, now);
    }
    for (;;) {
      const e = this.#delayMarks.peek();
      if (e === undefined || e.at > now) break;
      this.#delayMarks.pop();
      e.item.delayMark = 0;
      this.#delayed--;
    }
  }

  /** A lease ran out at `at`: dead-letter after too many deliveries, drop past retention, else redeliver. */
  #expire(msg: StoredMessage, at: number, now: number): void {
    if (this.#deadLetterIfExhausted(msg, now)) return;
    if (this.#expired(msg, now)) {
      this.#remove(msg);
      return;
    }
    this.#leaveInFlight(msg);
    msg.availableAt = at;
    this.#makeCandidate(msg);
  }

  #takeNow(max: number, leaseMs: number, now: number): MemoryDelivery[] {
    const out: MemoryDelivery[] = [];
    while (out.length < max) {
      const top = this.#candidates.peek();
      if (top === undefined || top.at > now) break;
      this.#candidates.pop();
      const msg = top.item;
      if (this.#expired(msg, now)) {
        this.#remove(msg);
        continue;
      }
      if (this.#deadLetterIfExhausted(msg, now)) continue;
      this.#deliver(msg, now, leaseMs);
      out.push(new MemoryDelivery(this, msg));
    }
    if (out.length > 0) {
      const faults = this.host.faults;
      for (const d of out) if (faults.shouldDuplicate()) this.#duplicate(d.stored);
    }
    return out;
  }

  #deliver(msg: StoredMessage, now: number, leaseMs: number): void {
    this.#unmarkDelayed(msg);
    msg.state = 'inflight';
    msg.gen++;
    msg.token++;
    msg.deliveryCount++;
    msg.firstDeliveredAt ??= now;
    msg.leaseExpiresAt = now + leaseMs;
    this.#leases.push(msg.leaseExpiresAt, msg.seq, msg, msg.gen);
    this.#inFlight++;
    this.#inFlightSet.add(msg);
  }

  /** Fault: a second copy of a just-delivered message (same id and delivery count) joins the ready set. */
  #duplicate(original: StoredMessage): void {
    const now = this.host.clock.now();
    const copy = new StoredMessage(
      original.id,
      original.seq,
      original.body,
      original.attributes,
      original.hasBytes,
      original.orderingKey,
      original.enqueuedAt,
      now,
    );
    copy.deliveryCount = original.deliveryCount - 1;
    copy.deadLetter = original.deadLetter;
    this.#total++;
    const group = this.#groupOf(copy);
    if (group !== undefined && group.head !== undefined) {
      copy.state = 'waiting';
      group.waiting.unshift(copy);
    } else {
      if (group !== undefined) group.head = copy;
      this.#makeCandidate(copy);
    }
  }

  #groupOf(msg: StoredMessage): Group | undefined {
    if (!this.settings.ordered || msg.orderingKey === undefined) return undefined;
    let group = this.#groups.get(msg.orderingKey);
    if (group === undefined) {
      group = { key: msg.orderingKey, head: undefined, waiting: new Deque() };
      this.#groups.set(msg.orderingKey, group);
    }
    return group;
  }

  /** A new message: a candidate, or (ordered) behind its group's head. */
  #place(msg: StoredMessage): void {
    const group = this.#groupOf(msg);
    if (group === undefined) {
      this.#makeCandidate(msg);
    } else if (group.head === undefined) {
      group.head = msg;
      this.#makeCandidate(msg);
    } else {
      msg.state = 'waiting';
      group.waiting.push(msg);
    }
  }

  #makeCandidate(msg: StoredMessage): void {
    msg.state = 'pending';
    msg.gen++;
    this.#candidates.push(msg.availableAt, msg.seq, msg, msg.gen);
  }

  #markDelayed(msg: StoredMessage): void {
    msg.delayMark = ++this.#marks;
    this.#delayed++;
    this.#delayMarks.push(msg.availableAt, msg.seq, msg, msg.delayMark);
  }

  #unmarkDelayed(msg: StoredMessage): void {
    if (msg.delayMark === 0) return;
    msg.delayMark = 0;
    this.#delayed--;
  }

  #leaveInFlight(msg: StoredMessage): void {
    if (msg.state !== 'inflight') return;
    this.#inFlight--;
    this.#inFlightSet.delete(msg);
  }

  /** Removes a message for good (acked, dead-lettered, expired) and unblocks its group. */
  #remove(msg: StoredMessage): void {
    this.#leaveInFlight(msg);
    this.#unmarkDelayed(msg);
    msg.state = 'gone';
    msg.gen++;
    this.#total--;
    if (!this.settings.ordered || msg.orderingKey === undefined) return;
    const group = this.#groups.get(msg.orderingKey);
    if (group === undefined || group.head !== msg) return; // a waiting message is skipped when it comes up
    let next = group.waiting.shift();
    while (next !== undefined && next.state === 'gone') next = group.waiting.shift();
    if (next === undefined) {
      this.#groups.delete(group.key);
      return;
    }
    group.head = next;
    this.#makeCandidate(next);
  }

  #expired(msg: StoredMessage, now: number): boolean {
    return now - msg.enqueuedAt >= this.settings.retentionSeconds * 1000;
  }

  /**
   * When the message has been delivered `maxDeliveries` times, moves it to the dead-letter queue with the envelope
   * (reason `max-deliveries`) and returns true. Keeps it (false) when there is no such queue: never lose a message.
   */
  #deadLetterIfExhausted(msg: StoredMessage, now: number): boolean {
    const { maxDeliveries, deadLetterQueue } = this.settings;
    if (maxDeliveries === undefined || deadLetterQueue === undefined || msg.deliveryCount < maxDeliveries) {
      return false;
    }
    const target = this.host.deadLetterStore(deadLetterQueue);
    if (target === undefined || target === this) return false;
    const description = `delivered ${msg.deliveryCount} times; the limit is ${maxDeliveries}`;
    this.#moveTo(target, msg, this.#envelopeAttributes(msg, now, description), {
      reason: MAX_DELIVERIES_REASON,
      description,
      source: this.settings.path,
    });
    return true;
  }

  /** The user's attributes plus the Omnibus dead-letter envelope (the meta attribute's slot is reused). */
  #envelopeAttributes(msg: StoredMessage, now: number, description: string): Attributes {
    const { user, meta, deadLetter: prior } = splitAttributes(msg.attributes);
    const m = decodeMeta(meta);
    const previous = prior === undefined ? undefined : readEnvelope(msg.attributes);
    const envelope = {
      ...buildEnvelope({
        reason: MAX_DELIVERIES_REASON,
        attempts: msg.deliveryCount + (m.attempts ?? 0),
        source: this.settings.path,
        handler: '',
        firstFailureAt: new Date(msg.firstDeliveredAt ?? now).toISOString(),
        lastFailureAt: new Date(now).toISOString(),
        originalId: m.originalId ?? msg.id,
        redrives: previous?.redrives ?? 0,
      }),
      error: { name: 'MaxDeliveriesExceeded', message: description },
    };
    const l = this.host.caps.limits;
    const used =
      messageBytes({ body: msg.body, attributes: user }, l.attributesCountInSize) +
      DEAD_LETTER_ATTRIBUTE.length;
    const room = Math.max(64, Math.min(l.maxAttributeValueBytes, l.maxMessageBytes - used));
    return Object.freeze({ ...user, [DEAD_LETTER_ATTRIBUTE]: encodeEnvelope(envelope, room) });
  }

  #moveTo(target: Store, msg: StoredMessage, attributes: Attributes, info: DeadLetterInfo): void {
    let hasBytes = false;
    for (const key in attributes) if (attributes[key] instanceof Uint8Array) hasBytes = true;
    this.#remove(msg);
    target.accept({
      id: msg.id,
      body: msg.body,
      attributes: Object.isFrozen(attributes) ? attributes : Object.freeze({ ...attributes }),
      hasBytes,
      orderingKey: msg.orderingKey,
      delayMs: 0,
      deadLetter: info,
    });
    target.changed();
  }

  #serve(now: number): void {
    while (this.#waiters.size > 0) {
      const waiter = this.#waiters.values().next().value as Waiter;
      const deliveries = this.#takeNow(waiter.max, waiter.leaseMs, now);
      if (deliveries.length === 0) return;
      waiter.finish(deliveries);
    }
  }

  /** Arms the entity's one timer for the next lease expiry, or the next delayed message while receives wait. */
  #schedule(now: number): void {
    if (this.detached) return;
    let next = this.#leases.peek()?.at ?? Number.POSITIVE_INFINITY;
    if (this.#waiters.size > 0) {
      const c = this.#candidates.peek();
      if (c !== undefined && c.at > now && c.at < next) next = c.at;
    }
    if (next === Number.POSITIVE_INFINITY || next >= this.#armedAt) return;
    this.#timer?.cancel();
    this.#armedAt = next;
    this.#timer = this.host.clock.setTimer(() => {
      this.#timer = undefined;
      this.#armedAt = Number.POSITIVE_INFINITY;
      this.changed();
    }, next - now);
  }
}
