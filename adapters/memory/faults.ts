/**
 * Fault injection: what a real broker and a real network do to a consumer now and then, on demand. Rates are drawn
 * from the driver's random source (seeded by default), so a test's faults are the same on every run.
 *
 * @example
 * ```ts
 * const driver = memory({ random: seededRandom(1) });
 * driver.faults.duplicateDeliveries(0.5); // half the deliveries are also delivered a second time
 * driver.faults.failSends(2);             // the next two messages sent fail with a retryable TransportError
 * ```
 * @module
 */
import { type OmnibusError, TransportError, ValidationError } from '../../core/errors.js';
import { MEMORY_PROVIDER } from './limits.js';

/**
 * Faults a test can inject into a memory driver.
 *
 * @example
 * ```ts
 * driver.faults.crashInFlight('billing'); // 3: three deliveries orphaned; they come back after their leases
 * driver.faults.clear();
 * ```
 */
export interface MemoryFaults {
  /** Fraction 0..1 of deliveries that also put a duplicate copy (same id, same delivery count) in the ready set. */
  duplicateDeliveries(rate: number): void;
  /** Fraction 0..1 of acks that report success but do not remove the message (redelivered after its lease). */
  loseAcks(rate: number): void;
  /**
   * The next `count` messages given to `send` or `redeliver` fail, each with its own outcome: a retryable
   * TransportError, or `error`.
   */
  failSends(count: number, error?: OmnibusError): void;
  /**
   * The consumer "dies": every in-flight delivery (of the queue or `topic/subscription` at `path`, or of every
   * entity) is orphaned, so its ack, release, extend and deadLetter throw `LEASE_LOST`, and the message comes back
   * when its lease expires. Returns how many deliveries were orphaned.
   */
  crashInFlight(path?: string): number;
  /** Turns every fault off. */
  clear(): void;
}

function rateOf(field: string, rate: number): number {
  if (typeof rate !== 'number' || !Number.isFinite(rate) || rate < 0 || rate > 1) {
    throw new ValidationError(`faults.${field}`, [
      { message: `rate must be a number from 0 to 1, got ${String(rate)}` },
    ]);
  }
  return rate;
}

/**
 * The fault switches of one driver, read by the broker.
 *
 * @example
 * ```ts
 * const faults = new FaultState(Math.random, (path) => broker.crash(path));
 * ```
 */
export class FaultState implements MemoryFaults {
  #duplicateRate = 0;
  #lostAckRate = 0;
  #sendFailures = 0;
  #sendError: OmnibusError | undefined;
  readonly #random: () => number;
  readonly #crash: (path?: string) => number;

  constructor(random: () => number, crash: (path?: string) => number) {
    this.#random = random;
    this.#crash = crash;
  }

  duplicateDeliveries(rate: number): void {
    this.#duplicateRate = rateOf('duplicateDeliveries', rate);
  }

  loseAcks(rate: number): void {
    this.#lostAckRate = rateOf('loseAcks', rate);
  }

  failSends(count: number, error?: OmnibusError): void {
    if (!Number.isInteger(count) || count < 0) {
      throw new ValidationError('faults.failSends', [
        { message: `count must be a whole number ≥ 0, got ${count}` },
      ]);
    }
    this.#sendFailures = count;
    this.#sendError = error;
  }

  crashInFlight(path?: string): number {
    return this.#crash(path);
  }

  clear(): void {
    this.#duplicateRate = 0;
    this.#lostAckRate = 0;
    this.#sendFailures = 0;
    this.#sendError = undefined;
  }

  /** Whether this delivery also gets a duplicate copy (draws from the random source only when the fault is on). */
  shouldDuplicate(): boolean {
    return this.#duplicateRate > 0 && this.#random() < this.#duplicateRate;
  }

  /** Whether this ack is lost. */
  shouldLoseAck(): boolean {
    return this.#lostAckRate > 0 && this.#random() < this.#lostAckRate;
  }

  /** The injected failure for the next message sent, if any (consumes one). */
  takeSendFailure(): OmnibusError | undefined {
    if (this.#sendFailures <= 0) return undefined;
    this.#sendFailures--;
    return this.#sendError ?? new TransportError(MEMORY_PROVIDER, 'injected send failure (faults.failSends)');
  }
}
