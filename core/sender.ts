/**
 * The send path: validation, encoding, limit checks, splitting into provider batches, auto-batching of single
 * sends issued together, and retry of retryable per-message failures. A message that cannot be sent is reported,
 * never dropped.
 *
 * @example
 * ```ts
 * const sender = new Sender(driver);
 * await sender.sendBatch(spec, prepared);
 * ```
 * @module
 */

import { splitBatches } from './batching.js';
import { sleep, systemClock } from './clock.js';
import type { Driver, DriverMessage, SendOutcome, TargetSpec } from './driver.js';
import { OmnibusError } from './errors.js';
import type { SendReceipt } from './message.js';

/**
 * Some messages of a batch could not be sent (after retries of retryable failures). `sent` holds the receipts of
 * those that were, by index; `failures` the errors of those that were not.
 *
 * @example
 * ```ts
 * if (BatchSendError.isInstance(err)) for (const f of err.failures) console.log(f.index, f.error.message);
 * ```
 */
export class BatchSendError extends OmnibusError {
  static readonly code = 'BATCH_SEND_FAILED';
  readonly sent: ReadonlyMap<number, SendReceipt>;
  readonly failures: readonly { readonly index: number; readonly error: OmnibusError }[];
  constructor(
    destination: string,
    sent: Map<number, SendReceipt>,
    failures: { index: number; error: OmnibusError }[],
  ) {
    const first = failures[0]?.error.message ?? 'unknown';
    super(
      BatchSendError.code,
      `${failures.length} of ${sent.size + failures.length} messages to ${destination} failed: ${first}`,
      {
        retryable: failures.every((f) => f.error.retryable),
        cause: failures[0]?.error,
      },
    );
    this.sent = sent;
    this.failures = failures;
  }
  static override isInstance(value: unknown): value is BatchSendError {
    return OmnibusError.isInstance(value) && value.code === BatchSendError.code;
  }
}

const RETRIES = 3;

interface Pending {
  readonly message: DriverMessage;
  resolve(receipt: SendReceipt): void;
  reject(error: unknown): void;
}

/** Sends prepared messages through a driver. */
export class Sender {
  readonly #driver: Driver;
  readonly #pending = new Map<string, { spec: TargetSpec; items: Pending[] }>();
  #scheduled = false;
  readonly #inFlight = new Set<Promise<void>>();

  constructor(driver: Driver) {
    this.#driver = driver;
  }

  /**
   * Queues one message; messages queued in the same turn of the event loop go out together in provider batches.
   */
  sendOne(spec: TargetSpec, message: DriverMessage): Promise<SendReceipt> {
    return new Promise((resolve, reject) => {
      const key = `${spec.kind}:${spec.name}`;
      let entry = this.#pending.get(key);
      if (!entry) {
        entry = { spec, items: [] };
        this.#pending.set(key, entry);
      }
      entry.items.push({ message, resolve, reject });
      if (entry.items.length >= this.#driver.capabilities.limits.maxBatchCount) this.#flushKey(key);
      else if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => this.#flushAll());
      }
    });
  }

  #flushAll(): void {
    this.#scheduled = false;
    for (const key of [...this.#pending.keys()]) this.#flushKey(key);
  }

  #flushKey(key: string): void {
    const entry = this.#pending.get(key);
    if (!entry) return;
    this.#pending.delete(key);
    const items = entry.items;
    const p = this.sendBatch(
      entry.spec,
      items.map((i) => i.message),
    ).then(
      (receipts) => {
        for (const [i, r] of receipts.entries()) items[i]?.resolve(r);
      },
      (error: unknown) => {
        if (BatchSendError.isInstance(error)) {
          for (const [index, receipt] of error.sent) items[index]?.resolve(receipt);
          for (const f of error.failures) items[f.index]?.reject(f.error);
        } else for (const i of items) i.reject(error);
      },
    );
    this.#inFlight.add(p);
    void p.finally(() => this.#inFlight.delete(p));
  }

  /** Waits for queued and in-flight single sends. */
  async flush(): Promise<void> {
    this.#flushAll();
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
  }

  /**
   * Sends all messages in provider-sized batches (in order for ordered targets), retrying retryable failures.
   * Throws {@link BatchSendError} when some still fail.
   */
  async sendBatch(spec: TargetSpec, messages: readonly DriverMessage[]): Promise<SendReceipt[]> {
    const receipts = new Map<number, SendReceipt>();
    let todo = messages.map((message, index) => ({ message, index }));
    const failures: { index: number; error: OmnibusError }[] = [];
    for (let round = 0; todo.length > 0; round++) {
      const retry: typeof todo = [];
      const batches = splitBatches(
        todo.map((t) => ({ ...t.message, __i: t.index })),
        this.#driver.capabilities,
      );
      const run = async (batch: (DriverMessage & { __i: number })[]) => {
        let outcomes: SendOutcome[];
        try {
          outcomes = await this.#driver.send(
            spec,
            batch.map(({ __i, ...m }) => m),
          );
        } catch (error) {
          const e = OmnibusError.isInstance(error)
            ? error
            : new OmnibusError('SEND_FAILED', String((error as Error)?.message ?? error), {
                cause: error,
                retryable: true,
              });
          outcomes = batch.map(() => ({ ok: false, error: e }));
        }
        batch.forEach((m, i) => {
          const o = outcomes[i];
          if (o?.ok) receipts.set(m.__i, { id: o.id });
          else {
            const error = o?.error ?? new OmnibusError('SEND_FAILED', 'no outcome returned by the driver');
            if (error.retryable && round < RETRIES)
              retry.push({ message: messages[m.__i] as DriverMessage, index: m.__i });
            else failures.push({ index: m.__i, error });
          }
        });
      };
      if (spec.ordered) for (const b of batches) await run(b);
      else await Promise.all(batches.map(run));
      todo = retry.sort((a, b) => a.index - b.index);
      if (todo.length > 0) await sleep(systemClock, 50 * 2 ** round); // real time: a virtual clock must not stall sends
    }
    if (failures.length > 0)
      throw new BatchSendError(
        spec.name,
        receipts,
        failures.sort((a, b) => a.index - b.index),
      );
    return messages.map((_, i) => receipts.get(i) as SendReceipt);
  }
}
