/**
 * Per-ordering-key gate of an ordered receiver: at most one message of a key is handed out at a time, and after a
 * release the key waits for that same message to come back before any later message of the key is handed out.
 *
 * Why the adapter needs it: Pub/Sub streams several messages of a key at once. Were they all handed to the bus, a
 * failed first message would be released with its backoff while the ones behind it — released at once by the bus
 * to keep order — could come back first (the emulator redelivers them as soon as their deadline passes), and every
 * such release is a delivery the broker counts as an attempt. Holding the later messages in the receiver's buffer
 * (their leases kept) until the head is settled keeps the order and leaves their attempt counts alone.
 *
 * Liveness: a released head that does not come back within its delay plus one lease (another consumer got it), or
 * an in-flight head nobody settles or extends for two leases, stops holding its key.
 *
 * @example
 * ```ts
 * const gate = new KeyGate(30_000);
 * gate.tryHandOut('k', 'm1', now); // true: m1 is the key's head now
 * gate.tryHandOut('k', 'm2', now); // false: m1 is in flight
 * gate.released('k', 'm1', 1_000, now); // m2 waits for m1 to come back
 * ```
 * @module
 */

type KeyState =
  /** `id` was handed out and is not settled; `touched` is when it was handed out or last extended. */
  | { readonly kind: 'in-flight'; readonly id: string; touched: number }
  /** `id` was released; only it may be handed out until `until`. */
  | { readonly kind: 'waiting'; readonly id: string; readonly until: number };

/** The gate; time is passed in (epoch ms) so it is testable without timers. */
export class KeyGate {
  readonly #leaseMs: number;
  readonly #keys = new Map<string, KeyState>();

  /** `leaseMs`: the receiver's lease, the unit of the liveness timeouts. */
  constructor(leaseMs: number) {
    this.#leaseMs = leaseMs;
  }

  /** Number of keys currently held (in flight or waiting). */
  get size(): number {
    return this.#keys.size;
  }

  #current(key: string, now: number): KeyState | undefined {
    const state = this.#keys.get(key);
    if (!state) return undefined;
    const expired = state.kind === 'waiting' ? now >= state.until : now - state.touched >= 2 * this.#leaseMs;
    if (expired) {
      this.#keys.delete(key);
      return undefined;
    }
    return state;
  }

  /** True (and `id` becomes the key's head) when message `id` of `key` may be handed out now. */
  tryHandOut(key: string, id: string, now: number): boolean {
    const state = this.#current(key, now);
    if (state && !(state.kind === 'waiting' && state.id === id)) return false;
    this.#keys.set(key, { kind: 'in-flight', id, touched: now });
    return true;
  }

  /** The head `id` was extended: it is still being worked on. */
  touched(key: string, id: string, now: number): void {
    const state = this.#keys.get(key);
    if (state?.kind === 'in-flight' && state.id === id) state.touched = now;
  }

  /** The head `id` was acknowledged (or dead-lettered): the key is free. */
  acked(key: string, id: string): void {
    const state = this.#keys.get(key);
    if (state?.id === id) this.#keys.delete(key);
  }

  /** The head `id` was released for `delayMs`: the key waits for it (at most the delay plus one lease). */
  released(key: string, id: string, delayMs: number, now: number): void {
    const state = this.#keys.get(key);
    if (state?.kind !== 'in-flight' || state.id !== id) return;
    this.#keys.set(key, { kind: 'waiting', id, until: now + Math.max(0, delayMs) + this.#leaseMs });
  }

  /** The earliest time a held key lets go by itself (epoch ms), or undefined when none is held. */
  nextChangeAt(): number | undefined {
    let next: number | undefined;
    for (const state of this.#keys.values()) {
      const at = state.kind === 'waiting' ? state.until : state.touched + 2 * this.#leaseMs;
      if (next === undefined || at < next) next = at;
    }
    return next;
  }
}
