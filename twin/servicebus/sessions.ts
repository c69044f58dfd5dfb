/**
 * Session bookkeeping of a session-enabled queue or subscription: who holds each session's lock and until when,
 * the session state, and the messages delivered under the session lock.
 */
import { AmqpCondition, TwinError } from './errors.js';
import type { StoredMessage } from './message.js';
import type { Clock, Scheduler, Task } from './scheduler.js';

/**
 * The holder of a session lock (a session receiver link). The twin calls {@link SessionOwner.sessionLost} when it
 * takes the session away (lock expired, entity deleted) so the link can be detached with the error.
 *
 * @example
 * ```ts
 * const owner: SessionOwner = { linkName: 'q-123', sessionLost: (e) => link.close(e.toAmqp()) };
 * ```
 */
export interface SessionOwner {
  readonly linkName: string;
  sessionLost(error: TwinError): void;
}

/**
 * One session of an entity.
 *
 * @example
 * ```ts
 * const record = table.get('order-42');
 * record?.state; // Buffer | undefined
 * ```
 */
export interface SessionRecord {
  readonly id: string;
  state: Buffer | undefined;
  owner: SessionOwner | undefined;
  lockedUntil: number;
  lockTask: Task | undefined;
  lastUpdated: number;
  /** Messages delivered under this session's lock and not yet settled. */
  readonly lockedMessages: Set<StoredMessage>;
}

/**
 * The sessions of one entity. Records exist only while a session is locked, has state, or has messages
 * (the store calls {@link SessionTable.forgetIfIdle}).
 *
 * @example
 * ```ts
 * const table = new SessionTable(scheduler, clock);
 * const record = table.lock('s1', owner, 30_000, (r) => onExpired(r));
 * ```
 */
export class SessionTable {
  private readonly records = new Map<string, SessionRecord>();

  constructor(
    private readonly scheduler: Scheduler,
    private readonly clock: Clock,
  ) {}

  /** Number of session records held. */
  get size(): number {
    return this.records.size;
  }

  get(id: string): SessionRecord | undefined {
    return this.records.get(id);
  }

  /** The record of `id`, created if needed. */
  ensure(id: string): SessionRecord {
    let record = this.records.get(id);
    if (record === undefined) {
      record = {
        id,
        state: undefined,
        owner: undefined,
        lockedUntil: 0,
        lockTask: undefined,
        lastUpdated: this.clock.now(),
        lockedMessages: new Set(),
      };
      this.records.set(id, record);
    }
    return record;
  }

  /** True when someone holds an unexpired lock on `record`. */
  isLocked(record: SessionRecord | undefined): boolean {
    return record?.owner !== undefined && record.lockedUntil > this.clock.now();
  }

  /**
   * Locks session `id` for `owner`; throws `com.microsoft:session-cannot-be-locked` when another owner holds it.
   * Expired locks must have been released by the caller first.
   */
  lock(
    id: string,
    owner: SessionOwner,
    durationMs: number,
    onExpire: (record: SessionRecord) => void,
  ): SessionRecord {
    const record = this.ensure(id);
    if (record.owner !== undefined && record.owner !== owner) {
      throw new TwinError(
        AmqpCondition.SessionCannotBeLocked,
        `The requested session '${id}' cannot be accepted. It may be locked by another receiver.`,
      );
    }
    record.owner = owner;
    this.extend(record, durationMs, onExpire);
    return record;
  }

  /** Pushes the lock expiry of a locked record `durationMs` from now. */
  extend(record: SessionRecord, durationMs: number, onExpire: (record: SessionRecord) => void): void {
    this.scheduler.cancel(record.lockTask);
    record.lockedUntil = this.clock.now() + durationMs;
    record.lastUpdated = this.clock.now();
    record.lockTask = this.scheduler.schedule(record.lockedUntil, () => {
      record.lockTask = undefined;
      onExpire(record);
    });
    for (const message of record.lockedMessages) {
      if (message.lock !== undefined) message.lock.lockedUntil = record.lockedUntil;
    }
  }

  /** Clears the owner and the lock timer (the caller releases the locked messages). */
  unlock(record: SessionRecord): void {
    this.scheduler.cancel(record.lockTask);
    record.lockTask = undefined;
    record.owner = undefined;
    record.lockedUntil = 0;
  }

  /** Drops the record when it holds nothing worth keeping. */
  forgetIfIdle(id: string, messageCount: number): void {
    const record = this.records.get(id);
    if (record === undefined) return;
    if (
      record.owner === undefined &&
      record.state === undefined &&
      messageCount === 0 &&
      record.lockedMessages.size === 0
    ) {
      this.records.delete(id);
    }
  }

  /** Every record. */
  values(): IterableIterator<SessionRecord> {
    return this.records.values();
  }

  /** Cancels every lock timer and forgets every record. */
  clear(): void {
    for (const record of this.records.values()) this.scheduler.cancel(record.lockTask);
    this.records.clear();
  }
}
