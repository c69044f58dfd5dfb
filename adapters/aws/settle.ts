/**
 * Settling deliveries: deletes (ack) and visibility changes (release, lease extension) issued in the same tick on
 * the same queue go out together as DeleteMessageBatch / ChangeMessageVisibilityBatch (up to 10 entries a call);
 * each caller still gets its own result. A delete always goes after visibility changes of the same tick.
 *
 * @example
 * ```ts
 * const settler = new Settler(clients);
 * await settler.delete(queue, receiptHandle);
 * await settler.changeVisibility(queue, receiptHandle, 30);
 * ```
 * @module
 */
import type { AwsClients } from './clients.js';
import { entryError, toOmnibusError } from './errors.js';
import { AWS_MAX_BATCH_ENTRIES } from './limits.js';
import type { ResolvedQueue } from './resolver.js';

/** Longest wait of a delete for others to share its DeleteMessageBatch call, ms. */
const DELETE_LINGER_MS = 5;

interface Op {
  readonly handle: string;
  readonly timeout: number;
  resolve(): void;
  reject(error: unknown): void;
}

interface Pending {
  readonly queue: ResolvedQueue;
  readonly deletes: Op[];
  readonly visibility: Op[];
}

/**
 * Coalesces settlement calls per queue and tick.
 *
 * @example
 * ```ts
 * await Promise.all(handles.map((h) => settler.delete(queue, h))); // one DeleteMessageBatch per 10
 * ```
 */
export class Settler {
  readonly #clients: AwsClients;
  readonly #pending = new Map<string, Pending>();
  readonly #inFlight = new Set<Promise<void>>();
  #scheduled = false;
  #lingering: ReturnType<typeof setTimeout> | undefined;

  constructor(clients: AwsClients) {
    this.#clients = clients;
  }

  /** Deletes a received message (ack). */
  delete(queue: ResolvedQueue, handle: string): Promise<void> {
    return this.#enqueue(queue, 'deletes', handle, 0);
  }

  /** Sets the visibility timeout of a received message (0 releases it at once). */
  changeVisibility(queue: ResolvedQueue, handle: string, seconds: number): Promise<void> {
    return this.#enqueue(queue, 'visibility', handle, seconds);
  }

  /** Sends everything pending and waits for calls in flight. */
  async flush(): Promise<void> {
    this.#flushAll();
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
  }

  #enqueue(
    queue: ResolvedQueue,
    kind: 'deletes' | 'visibility',
    handle: string,
    timeout: number,
  ): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let pending = this.#pending.get(queue.url);
      if (!pending) {
        pending = { queue, deletes: [], visibility: [] };
        this.#pending.set(queue.url, pending);
      }
      pending[kind].push({ handle, timeout, resolve, reject });
      if (pending[kind].length >= AWS_MAX_BATCH_ENTRIES) this.#flushQueue(queue.url);
      else if (kind === 'deletes') {
        // Acks may wait a little to fill a batch (handlers finish in different turns); visibility changes may not.
        this.#lingering ??= setTimeout(() => {
          this.#lingering = undefined;
          this.#flushAll();
        }, DELETE_LINGER_MS);
      } else if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => this.#flushAll());
      }
    });
  }

  #flushAll(): void {
    this.#scheduled = false;
    if (this.#lingering) {
      clearTimeout(this.#lingering);
      this.#lingering = undefined;
    }
    for (const url of [...this.#pending.keys()]) this.#flushQueue(url);
  }

  #flushQueue(url: string): void {
    const pending = this.#pending.get(url);
    if (!pending) return;
    this.#pending.delete(url);
    const run = (async () => {
      if (pending.visibility.length > 0) await this.#changeBatch(pending.queue, pending.visibility);
      if (pending.deletes.length > 0) await this.#deleteBatch(pending.queue, pending.deletes);
    })();
    this.#inFlight.add(run);
    void run.finally(() => this.#inFlight.delete(run));
  }

  async #changeBatch(queue: ResolvedQueue, ops: Op[]): Promise<void> {
    const operation = 'ChangeMessageVisibilityBatch';
    await this.#settle(queue, ops, operation, async (batch) => {
      const [sqs, sdk] = await Promise.all([this.#clients.sqs(), this.#clients.sqsSdk()]);
      return sqs.send(
        new sdk.ChangeMessageVisibilityBatchCommand({
          QueueUrl: queue.url,
          Entries: batch.map((op, i) => ({
            Id: String(i),
            ReceiptHandle: op.handle,
            VisibilityTimeout: op.timeout,
          })),
        }),
      );
    });
  }

  async #deleteBatch(queue: ResolvedQueue, ops: Op[]): Promise<void> {
    await this.#settle(queue, ops, 'DeleteMessageBatch', async (batch) => {
      const [sqs, sdk] = await Promise.all([this.#clients.sqs(), this.#clients.sqsSdk()]);
      return sqs.send(
        new sdk.DeleteMessageBatchCommand({
          QueueUrl: queue.url,
          Entries: batch.map((op, i) => ({ Id: String(i), ReceiptHandle: op.handle })),
        }),
      );
    });
  }

  async #settle(
    queue: ResolvedQueue,
    ops: Op[],
    operation: string,
    call: (batch: Op[]) => Promise<{
      Successful?: { Id?: string | undefined }[] | undefined;
      Failed?:
        | {
            Id?: string | undefined;
            Code?: string | undefined;
            Message?: string | undefined;
            SenderFault?: boolean | undefined;
          }[]
        | undefined;
    }>,
  ): Promise<void> {
    for (let start = 0; start < ops.length; start += AWS_MAX_BATCH_ENTRIES) {
      const batch = ops.slice(start, start + AWS_MAX_BATCH_ENTRIES);
      try {
        const result = await call(batch);
        const done = new Set<Op>();
        for (const s of result.Successful ?? []) {
          const op = batch[Number(s.Id)];
          if (op) {
            done.add(op);
            op.resolve();
          }
        }
        for (const f of result.Failed ?? []) {
          const op = batch[Number(f.Id)];
          if (op) {
            done.add(op);
            op.reject(entryError(operation, queue.entity, f));
          }
        }
        for (const op of batch) if (!done.has(op)) op.resolve();
      } catch (error) {
        const mapped = toOmnibusError(error, operation, queue.entity);
        for (const op of batch) op.reject(mapped);
      }
    }
  }
}
