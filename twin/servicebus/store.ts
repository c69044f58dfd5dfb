/**
 * A message store: one sub-queue (the active queue of a queue or subscription, its `$DeadLetterQueue`, or its
 * `$Transfer/$DeadLetterQueue`). It owns the messages, their availability order (a heap by sequence number, or one
 * heap per session), their peek-locks and TTL timers, the sessions, and a sequence index for peeking.
 *
 * Hot paths (enqueue, take the next message, settle by lock token) are O(log n); nothing scans the whole store.
 * Settled messages leave every index: the message map, the heaps, the lock map and the scheduler.
 */
import { type AmqpMessage, newLockToken } from './amqp.js';
import { AmqpCondition, lockLost, sessionLockLost, TwinError } from './errors.js';
import { IndexedHeap } from './heap.js';
import type { MessageLock, StoredMessage } from './message.js';
import type { Clock, Scheduler } from './scheduler.js';
import { type SessionOwner, type SessionRecord, SessionTable } from './sessions.js';

/**
 * Which sub-queue a store is.
 *
 * @example
 * ```ts
 * queue.store('deadletter').kind; // 'deadletter'
 * ```
 */
export type SubQueueKind = 'active' | 'deadletter' | 'transfer-deadletter';

/**
 * Dead-letter reason the service uses when MaxDeliveryCount is exceeded.
 *
 * @example
 * ```ts
 * if (message.deadLetterReason === MAX_DELIVERY_REASON) alert();
 * ```
 */
export const MAX_DELIVERY_REASON = 'MaxDeliveryCountExceeded';

/**
 * Dead-letter reason the service uses for messages that expired (with dead-lettering on expiration).
 *
 * @example
 * ```ts
 * if (message.deadLetterReason === TTL_EXPIRED_REASON) countExpired();
 * ```
 */
export const TTL_EXPIRED_REASON = 'TTLExpiredException';

/**
 * A running byte total (entity size for quota checks).
 *
 * @example
 * ```ts
 * const account = new SizeAccount();
 * account.bytes += 100;
 * ```
 */
export class SizeAccount {
  bytes = 0;
}

/**
 * What a store needs from the queue or subscription that owns it.
 *
 * @example
 * ```ts
 * const owner: StoreOwner = queueEntity; // QueueEntity and SubscriptionEntity implement it
 * ```
 */
export interface StoreOwner {
  readonly path: string;
  readonly options: {
    readonly lockDurationMs: number;
    readonly maxDeliveryCount: number;
    readonly deadLetteringOnMessageExpiration: boolean;
  };
  readonly sizeAccounts: readonly SizeAccount[];
  /** Moves a message (already removed from its store) to the dead-letter queue. */
  deadLetter(message: StoredMessage, reason: string | undefined, description: string | undefined): void;
}

/**
 * Services a store uses: time, timers, and the "messages became available" signal the server pumps on.
 *
 * @example
 * ```ts
 * const ctx: StoreContext = { clock, scheduler, messagesAvailable: (store) => server.pump(store) };
 * ```
 */
export interface StoreContext {
  readonly clock: Clock;
  readonly scheduler: Scheduler;
  messagesAvailable(store: MessageStore): void;
}

/**
 * Counts of one store, for `twin.stats()` and runtime properties.
 *
 * @example
 * ```ts
 * store.stats().locked; // messages currently peek-locked
 * ```
 */
export interface StoreStats {
  messages: number;
  available: number;
  locked: number;
  deferred: number;
  scheduled: number;
  sessions: number;
  bytes: number;
  indexEntries: number;
}

const bySeq = (a: StoredMessage, b: StoredMessage): number => a.seq - b.seq;

/** Sorted sequence numbers with lazy deletion (the caller checks liveness), for peeking in order. */
class SeqIndex {
  private seqs: number[] = [];

  get length(): number {
    return this.seqs.length;
  }

  insert(seq: number): void {
    const n = this.seqs.length;
    if (n === 0 || seq > (this.seqs[n - 1] as number)) {
      this.seqs.push(seq);
      return;
    }
    const i = this.lowerBound(seq);
    if (this.seqs[i] !== seq) this.seqs.splice(i, 0, seq);
  }

  *from(start: number): Generator<number> {
    for (let i = this.lowerBound(start); i < this.seqs.length; i++) yield this.seqs[i] as number;
  }

  compact(isLive: (seq: number) => boolean): void {
    this.seqs = this.seqs.filter(isLive);
  }

  clear(): void {
    this.seqs = [];
  }

  private lowerBound(seq: number): number {
    let lo = 0;
    let hi = this.seqs.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.seqs[mid] as number) < seq) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/**
 * One sub-queue of a queue or subscription.
 *
 * @example
 * ```ts
 * store.insert(message);              // enqueue
 * const next = store.takeNext();      // the oldest available message
 * const lock = store.lock(next!, false);
 * store.complete(lock.token);         // settle: the message leaves every index
 * ```
 */
export class MessageStore {
  /** Every message present (available, locked, deferred, scheduled), by sequence number. */
  readonly messages = new Map<number, StoredMessage>();
  /** Locked messages by lock token. */
  readonly locks = new Map<string, StoredMessage>();
  /** Sessions (session-enabled active stores only). */
  readonly sessions: SessionTable;
  /** True for the active store of a session-enabled entity. */
  readonly sessionful: boolean;
  bytes = 0;
  private readonly order = new SeqIndex();
  private deadIndexEntries = 0;
  private readonly available = new IndexedHeap<StoredMessage>(bySeq);
  private readonly sessionQueues = new Map<string, IndexedHeap<StoredMessage>>();
  private readonly sessionCounts = new Map<string, number>();
  private deferredCount = 0;
  private scheduledCount = 0;
  private destroyed = false;

  constructor(
    readonly owner: StoreOwner,
    readonly kind: SubQueueKind,
    sessionful: boolean,
    private readonly ctx: StoreContext,
  ) {
    this.sessionful = sessionful && kind === 'active';
    this.sessions = new SessionTable(ctx.scheduler, ctx.clock);
  }

  /** Display path, e.g. `orders`, `orders/$DeadLetterQueue`, `events/Subscriptions/all`. */
  get path(): string {
    const base = this.owner.path;
    if (this.kind === 'active') return base;
    return this.kind === 'deadletter' ? `${base}/$DeadLetterQueue` : `${base}/$Transfer/$DeadLetterQueue`;
  }

  /** Adds a message in its current state (`active` messages become available at once). */
  insert(message: StoredMessage): void {
    if (this.destroyed) return;
    message.lock = undefined;
    message.heapIndex = -1;
    this.messages.set(message.seq, message);
    this.order.insert(message.seq);
    this.account(message.size);
    if (this.sessionful) {
      const key = message.sessionId ?? '';
      this.sessionCounts.set(key, (this.sessionCounts.get(key) ?? 0) + 1);
    }
    if (message.state === 'scheduled') {
      this.scheduledCount++;
      return;
    }
    if (message.state === 'deferred') {
      this.deferredCount++;
      return;
    }
    this.armExpiry(message);
    this.makeAvailable(message);
  }

  /** Turns a scheduled message into an available one, enqueued now. */
  activateScheduled(message: StoredMessage): void {
    if (this.messages.get(message.seq) !== message || message.state !== 'scheduled') return;
    this.scheduledCount--;
    message.state = 'active';
    message.enqueuedAt = this.ctx.clock.now();
    message.expiresAt = message.enqueuedAt + message.ttl;
    this.armExpiry(message);
    this.makeAvailable(message);
  }

  /** Removes a message from every index (settled, moved, expired, cancelled). */
  remove(message: StoredMessage): void {
    if (this.messages.get(message.seq) !== message) return;
    this.messages.delete(message.seq);
    this.deadIndexEntries++;
    if (this.messages.size === 0) {
      this.order.clear();
      this.deadIndexEntries = 0;
    } else if (this.deadIndexEntries > 1024 && this.deadIndexEntries > this.messages.size) {
      this.order.compact((seq) => this.messages.has(seq));
      this.deadIndexEntries = 0;
    }
    this.unqueue(message);
    if (message.lock !== undefined) this.releaseLock(message);
    this.ctx.scheduler.cancel(message.expiryTask);
    message.expiryTask = undefined;
    this.account(-message.size);
    if (message.state === 'deferred') this.deferredCount--;
    else if (message.state === 'scheduled') this.scheduledCount--;
    if (this.sessionful) {
      const key = message.sessionId ?? '';
      const count = (this.sessionCounts.get(key) ?? 1) - 1;
      if (count <= 0) this.sessionCounts.delete(key);
      else this.sessionCounts.set(key, count);
      this.sessions.forgetIfIdle(key, count);
    }
  }

  /**
   * Takes the next available message (oldest sequence number first; of one session in a session store).
   * Expired messages met on the way are expired. The caller must lock or remove the returned message.
   */
  takeNext(sessionId?: string): StoredMessage | undefined {
    const now = this.ctx.clock.now();
    for (;;) {
      let heap: IndexedHeap<StoredMessage> | undefined;
      if (this.sessionful) {
        if (sessionId === undefined) return undefined;
        heap = this.sessionQueues.get(sessionId);
      } else {
        heap = this.available;
      }
      const message = heap?.pop();
      if (heap === undefined || message === undefined) return undefined;
      if (this.sessionful && heap.size === 0) this.sessionQueues.delete(sessionId as string);
      if (this.kind === 'active' && message.expiresAt <= now) {
        this.expire(message);
        continue;
      }
      return message;
    }
  }

  /** True when a message is waiting (in `sessionId` for session stores). */
  hasAvailable(sessionId?: string): boolean {
    if (!this.sessionful) return this.available.size > 0;
    return sessionId !== undefined && (this.sessionQueues.get(sessionId)?.size ?? 0) > 0;
  }

  /**
   * Peek-locks a message taken with {@link takeNext} or found deferred. Session-held locks (`viaSession`) follow
   * the session lock; other locks expire after the entity's lock duration.
   */
  lock(message: StoredMessage, viaSession: boolean): MessageLock {
    this.ctx.scheduler.cancel(message.expiryTask);
    message.expiryTask = undefined;
    const token = newLockToken();
    let lock: MessageLock;
    const record =
      viaSession && message.sessionId !== undefined ? this.sessions.get(message.sessionId) : undefined;
    if (record !== undefined) {
      lock = { token, lockedUntil: record.lockedUntil, task: undefined, viaSession: true };
      record.lockedMessages.add(message);
    } else {
      const lockedUntil = this.ctx.clock.now() + this.owner.options.lockDurationMs;
      lock = { token, lockedUntil, task: undefined, viaSession: false };
      lock.task = this.ctx.scheduler.schedule(lockedUntil, () => {
        lock.task = undefined;
        this.onLockExpired(token);
      });
    }
    message.lock = lock;
    this.locks.set(token, message);
    return lock;
  }

  /** The locked message of `token`, or undefined when the lock is unknown or has expired. */
  getLocked(token: string): StoredMessage | undefined {
    const message = this.locks.get(token);
    if (message?.lock === undefined) return undefined;
    const now = this.ctx.clock.now();
    if (message.lock.viaSession) {
      const record = message.sessionId === undefined ? undefined : this.sessions.get(message.sessionId);
      if (record === undefined || !this.sessions.isLocked(record)) {
        if (record?.owner !== undefined) this.expireSession(record);
        return undefined;
      }
      return message;
    }
    if (message.lock.lockedUntil <= now) {
      this.onLockExpired(token);
      return undefined;
    }
    return message;
  }

  private requireLocked(token: string): StoredMessage {
    const message = this.getLocked(token);
    if (message === undefined) {
      throw this.sessionful ? sessionLockLost() : lockLost();
    }
    return message;
  }

  /** Complete: the message is removed. */
  complete(token: string): void {
    this.remove(this.requireLocked(token));
  }

  /**
   * Abandon: the lock is released, the delivery count rises (unless `countDelivery` is false, for an AMQP
   * `released`), the message is available again (or dead-lettered).
   */
  abandon(token: string, propertiesToModify?: Record<string, unknown>, countDelivery = true): void {
    const message = this.requireLocked(token);
    this.releaseLock(message);
    applyProperties(message, propertiesToModify);
    if (countDelivery) message.deliveryCount++;
    this.afterFailedDelivery(message);
  }

  /** Defer: the message stays in the store but can only be received by sequence number. */
  defer(token: string, propertiesToModify?: Record<string, unknown>): void {
    const message = this.requireLocked(token);
    this.releaseLock(message);
    applyProperties(message, propertiesToModify);
    if (message.state !== 'deferred') {
      message.state = 'deferred';
      this.deferredCount++;
    }
  }

  /** Dead-letter: the message moves to the dead-letter queue with the given reason and description. */
  deadLetter(
    token: string,
    reason: string | undefined,
    description: string | undefined,
    propertiesToModify?: Record<string, unknown>,
  ): void {
    if (this.kind !== 'active') {
      throw new TwinError(
        AmqpCondition.NotAllowed,
        'A message in a dead-letter queue cannot be dead-lettered again.',
      );
    }
    const message = this.requireLocked(token);
    this.remove(message);
    applyProperties(message, propertiesToModify);
    this.owner.deadLetter(message, reason, description);
  }

  /** Renews a message lock; returns the new expiry. */
  renewLock(token: string): number {
    const message = this.requireLocked(token);
    const lock = message.lock as MessageLock;
    if (lock.viaSession) return lock.lockedUntil;
    this.ctx.scheduler.cancel(lock.task);
    lock.lockedUntil = this.ctx.clock.now() + this.owner.options.lockDurationMs;
    lock.task = this.ctx.scheduler.schedule(lock.lockedUntil, () => {
      lock.task = undefined;
      this.onLockExpired(token);
    });
    return lock.lockedUntil;
  }

  /** Messages with sequence number ≥ `from`, in order (including locked, deferred and scheduled ones). */
  peek(from: number, count: number, sessionId?: string): StoredMessage[] {
    const out: StoredMessage[] = [];
    if (count <= 0) return out;
    for (const seq of this.order.from(from)) {
      const message = this.messages.get(seq);
      if (message === undefined) continue;
      if (sessionId !== undefined && message.sessionId !== sessionId) continue;
      out.push(message);
      if (out.length >= count) break;
    }
    return out;
  }

  /**
   * Receives deferred messages by sequence number: locked (peek-lock) or removed (receive-and-delete).
   * Throws `com.microsoft:message-not-found` when any of them is not a deferred message of this store.
   */
  receiveDeferred(
    seqs: readonly number[],
    peekLock: boolean,
    sessionId?: string,
  ): Array<{ message: StoredMessage; lock: MessageLock | undefined }> {
    const found: StoredMessage[] = [];
    for (const seq of new Set(seqs)) {
      const message = this.messages.get(seq);
      if (
        message === undefined ||
        message.state !== 'deferred' ||
        message.lock !== undefined ||
        (sessionId !== undefined && message.sessionId !== sessionId)
      ) {
        throw new TwinError(
          AmqpCondition.MessageNotFound,
          `Failed to lock one or more specified messages. Either the message with sequence number ${seq} is not deferred, is already locked, or does not exist.`,
        );
      }
      found.push(message);
    }
    if (!peekLock) {
      for (const message of found) this.remove(message);
      return found.map((message) => ({ message, lock: undefined }));
    }
    return found.map((message) => ({ message, lock: this.lock(message, false) }));
  }

  /** Locks session `id` for `owner` (throws `SessionCannotBeLocked` when someone else holds it). */
  acquireSession(id: string, owner: SessionOwner): SessionRecord {
    if (!this.sessionful) {
      throw new TwinError(
        AmqpCondition.NotAllowed,
        `It is not possible for an entity that does not require sessions to create a sessionful message receiver ('${this.path}').`,
      );
    }
    const existing = this.sessions.get(id);
    if (existing?.owner !== undefined && existing.owner !== owner && !this.sessions.isLocked(existing)) {
      this.expireSession(existing);
    }
    return this.sessions.lock(id, owner, this.owner.options.lockDurationMs, (record) =>
      this.expireSession(record),
    );
  }

  /** Locks the first unlocked session that has available messages, if any. */
  acquireNextSession(owner: SessionOwner): SessionRecord | undefined {
    for (const id of this.sessionQueues.keys()) {
      const record = this.sessions.get(id);
      if (record !== undefined && this.sessions.isLocked(record)) continue;
      return this.acquireSession(id, owner);
    }
    return undefined;
  }

  /** Renews a session lock held by `linkName` (or by anyone when omitted); returns the new expiry. */
  renewSession(id: string, linkName?: string): number {
    const record = this.requireSession(id, linkName);
    this.sessions.extend(record, this.owner.options.lockDurationMs, (r) => this.expireSession(r));
    return record.lockedUntil;
  }

  /** The session record of `id` if it is locked (by `linkName` when given); throws `SessionLockLost` otherwise. */
  requireSession(id: string, linkName?: string): SessionRecord {
    const record = this.sessions.get(id);
    if (record === undefined || !this.sessions.isLocked(record)) {
      if (record?.owner !== undefined) this.expireSession(record);
      throw sessionLockLost(id);
    }
    if (linkName !== undefined && record.owner?.linkName !== linkName) throw sessionLockLost(id);
    return record;
  }

  /** Sets (or clears, with `undefined`) the state of a locked session. */
  setSessionState(id: string, state: Buffer | undefined, linkName?: string): void {
    const record = this.requireSession(id, linkName);
    record.state = state;
    record.lastUpdated = this.ctx.clock.now();
  }

  /** The state of a locked session. */
  getSessionState(id: string, linkName?: string): Buffer | undefined {
    return this.requireSession(id, linkName).state;
  }

  /** Releases a session when its receiver goes away: unsettled messages count a delivery and become available. */
  releaseSession(id: string, owner: SessionOwner): void {
    const record = this.sessions.get(id);
    if (record?.owner === owner) this.loseSession(record, undefined);
  }

  /** Ids of sessions that have messages or state. */
  listSessions(): string[] {
    const ids = new Set(this.sessionCounts.keys());
    for (const record of this.sessions.values()) if (record.state !== undefined) ids.add(record.id);
    return [...ids];
  }

  /** Counts for stats and runtime properties. */
  stats(): StoreStats {
    let available = this.available.size;
    for (const heap of this.sessionQueues.values()) available += heap.size;
    return {
      messages: this.messages.size,
      available,
      locked: this.locks.size,
      deferred: this.deferredCount,
      scheduled: this.scheduledCount,
      sessions: this.sessions.size,
      bytes: this.bytes,
      indexEntries: this.order.length,
    };
  }

  /** Drops everything and cancels every timer (entity deleted or twin closed). */
  destroy(): void {
    this.destroyed = true;
    for (const message of this.messages.values()) {
      this.ctx.scheduler.cancel(message.expiryTask);
      this.ctx.scheduler.cancel(message.lock?.task);
      message.expiryTask = undefined;
      message.lock = undefined;
    }
    this.account(-this.bytes);
    this.messages.clear();
    this.locks.clear();
    this.available.clear();
    this.sessionQueues.clear();
    this.sessionCounts.clear();
    this.sessions.clear();
    this.order.clear();
  }

  private expireSession(record: SessionRecord): void {
    this.loseSession(record, sessionLockLost(record.id));
  }

  private loseSession(record: SessionRecord, error: TwinError | undefined): void {
    const owner = record.owner;
    this.sessions.unlock(record);
    const held = [...record.lockedMessages];
    record.lockedMessages.clear();
    for (const message of held) {
      if (message.lock === undefined) continue;
      this.releaseLock(message);
      message.deliveryCount++;
      this.afterFailedDelivery(message);
    }
    this.sessions.forgetIfIdle(record.id, this.sessionCounts.get(record.id) ?? 0);
    if (error !== undefined && owner !== undefined) owner.sessionLost(error);
    this.ctx.messagesAvailable(this);
  }

  private onLockExpired(token: string): void {
    const message = this.locks.get(token);
    if (message === undefined) return;
    this.releaseLock(message);
    message.deliveryCount++;
    this.afterFailedDelivery(message);
  }

  private afterFailedDelivery(message: StoredMessage): void {
    if (this.kind === 'active' && message.deliveryCount >= this.owner.options.maxDeliveryCount) {
      this.remove(message);
      this.owner.deadLetter(
        message,
        MAX_DELIVERY_REASON,
        `Message could not be consumed after ${this.owner.options.maxDeliveryCount} delivery attempts.`,
      );
      return;
    }
    if (message.state === 'deferred') return;
    if (this.kind === 'active' && message.expiresAt <= this.ctx.clock.now()) {
      this.expire(message);
      return;
    }
    this.armExpiry(message);
    this.makeAvailable(message);
  }

  private expire(message: StoredMessage): void {
    this.remove(message);
    if (this.owner.options.deadLetteringOnMessageExpiration) {
      this.owner.deadLetter(message, TTL_EXPIRED_REASON, 'The message expired and was dead lettered.');
    }
  }

  private releaseLock(message: StoredMessage): void {
    const lock = message.lock;
    if (lock === undefined) return;
    this.locks.delete(lock.token);
    this.ctx.scheduler.cancel(lock.task);
    lock.task = undefined;
    if (lock.viaSession && message.sessionId !== undefined) {
      this.sessions.get(message.sessionId)?.lockedMessages.delete(message);
    }
    message.lock = undefined;
  }

  private armExpiry(message: StoredMessage): void {
    if (this.kind !== 'active' || !Number.isFinite(message.expiresAt) || message.state !== 'active') return;
    this.ctx.scheduler.cancel(message.expiryTask);
    message.expiryTask = this.ctx.scheduler.schedule(message.expiresAt, () => {
      message.expiryTask = undefined;
      if (
        this.messages.get(message.seq) !== message ||
        message.lock !== undefined ||
        message.state !== 'active'
      )
        return;
      this.expire(message);
    });
  }

  private makeAvailable(message: StoredMessage): void {
    if (this.sessionful) {
      const key = message.sessionId ?? '';
      let heap = this.sessionQueues.get(key);
      if (heap === undefined) {
        heap = new IndexedHeap<StoredMessage>(bySeq);
        this.sessionQueues.set(key, heap);
      }
      heap.push(message);
    } else {
      this.available.push(message);
    }
    this.ctx.messagesAvailable(this);
  }

  private unqueue(message: StoredMessage): void {
    if (!this.sessionful) {
      this.available.remove(message);
      return;
    }
    const key = message.sessionId ?? '';
    const heap = this.sessionQueues.get(key);
    if (heap === undefined) return;
    heap.remove(message);
    if (heap.size === 0) this.sessionQueues.delete(key);
  }

  private account(delta: number): void {
    this.bytes += delta;
    for (const account of this.owner.sizeAccounts) account.bytes += delta;
  }
}

/** Merges `properties-to-modify` into a message's application properties. */
function applyProperties(message: StoredMessage, properties: Record<string, unknown> | undefined): void {
  if (properties === undefined || properties === null || Object.keys(properties).length === 0) return;
  const amqpMessage: AmqpMessage = message.amqp;
  message.amqp = {
    ...amqpMessage,
    application_properties: { ...(amqpMessage.application_properties ?? {}), ...properties },
  };
}
