/**
 * The consume loop: receives within the consumer's concurrency, hands each delivery to the processor
 * (`core/processor.ts`), keeps per-key order on ordered sources, and shuts down gracefully (in-flight work finishes;
 * nothing received is dropped).
 *
 * @example
 * ```ts
 * const consumer = bus.consume(billing, async (m) => charge(m.body), { concurrency: 8 });
 * await consumer.close();
 * ```
 * @module
 */
import { sleep, type Timer } from './clock.js';
import { pathOf } from './declarations.js';
import type { Delivery, Receiver } from './driver.js';
import { ConfigurationError } from './errors.js';
import { createProcessor, type ProcessorContext } from './processor.js';

/** Options of `bus.consume`. */
export interface ConsumeOptions {
  /** Messages handled at once (default 1). */
  readonly concurrency?: number;
  /** Aborting it closes the consumer gracefully. */
  readonly signal?: AbortSignal;
  /** Name recorded in dead-letter envelopes (default: the handler function's name). */
  readonly name?: string;
  /** Longest wait of one receive call, in seconds (default 10; shorter on close). */
  readonly waitSeconds?: number;
}

/** A running consumer. */
export interface Consumer {
  /** Stops receiving, lets in-flight handlers finish and settle, then resolves. */
  close(): Promise<void>;
  /** Resolves when the consumer has stopped. */
  readonly closed: Promise<void>;
  /** Messages being handled now. */
  readonly inFlight: number;
}

/** What the consumer needs from the bus. */
export type ConsumerContext = ProcessorContext;

/** Messages a receive asks for beyond the free slots (an SQS batch); more would hold leases longer for no gain. */
const RECEIVE_AHEAD = 10;

/** Starts a consumer; see {@link Consumer}. */
export function startConsumer(ctx: ConsumerContext, handlerName: string, options: ConsumeOptions): Consumer {
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? 1));
  const sourcePath = pathOf(ctx.source);
  const abort = new AbortController();
  // Receive ahead: each receive asks for up to RECEIVE_AHEAD messages (an SQS batch), and what does not fit the free
  // slots waits here (its lease kept alive) until a slot frees. In hand at most: concurrency + RECEIVE_AHEAD.
  const batch = Math.max(1, Math.min(ctx.caps.limits.maxReceiveCount, RECEIVE_AHEAD));
  const receiver: Receiver = ctx.driver.openReceiver(ctx.spec, {
    maxInFlight: concurrency + batch,
    leaseSeconds: ctx.spec.leaseSeconds,
  });
  const buffered: { delivery: Delivery; since: number }[] = [];
  const leaseMs = ctx.spec.leaseSeconds * 1000;
  let keepAlive: { cancel(): void } | undefined;
  const keepBufferedAlive = (): void => {
    if (keepAlive || buffered.length === 0) return;
    keepAlive = ctx.clock.setTimer(
      () => {
        keepAlive = undefined;
        const now = ctx.clock.now();
        for (const b of buffered) {
          if (now - b.since >= leaseMs / 3) {
            b.since = now;
            b.delivery.extend(ctx.spec.leaseSeconds).catch(() => undefined);
          }
        }
        keepBufferedAlive();
      },
      Math.max(250, leaseMs / 3),
    );
  };
  // Unordered sources ack in the background: the slot frees when the handler is done, and acks of several
  // deliveries can share one batch call. Ordered sources keep acking before the next message of the key starts.
  const processor = createProcessor({ ...ctx, ackInBackground: !ctx.spec.ordered }, handlerName);
  const running = new Set<Promise<void>>();
  const ordered = ctx.spec.ordered;
  /** Per ordering key: deliveries waiting behind the one in flight. */
  const keyQueues = new Map<string, { delivery: Delivery; lease: Timer }[]>();
  let slotWaiter: (() => void) | undefined;
  let active = 0;

  const launch = (d: Delivery): void => {
    active++;
    const p = runOrdered(d).finally(() => {
      active--;
      running.delete(p);
      slotWaiter?.();
    });
    running.add(p);
  };

  /** Runs a delivery; for ordered sources, one at a time per key, in arrival order. */
  const runOrdered = async (d: Delivery): Promise<void> => {
    if (!ordered || d.orderingKey === undefined) {
      await processor.process(d);
      return;
    }
    const key = d.orderingKey;
    const waiting = keyQueues.get(key);
    if (waiting) {
      waiting.push({ delivery: d, lease: processor.keepLease(d) });
      return;
    }
    keyQueues.set(key, []);
    let current: Delivery | undefined = d;
    while (current) {
      const outcome = await processor.process(current);
      const ok = outcome !== 'released' && outcome !== 'held' && outcome !== 'failed';
      const queue = keyQueues.get(key) ?? [];
      if (!ok) {
        // The failed message comes back first; hand back those behind it (not an attempt) so order holds.
        for (const later of queue.splice(0)) {
          later.lease.cancel();
          await processor.giveBack(later.delivery).catch(() => undefined);
        }
      }
      const next = queue.shift();
      next?.lease.cancel();
      current = next?.delivery;
    }
    keyQueues.delete(key);
  };

  const loop = async (): Promise<void> => {
    let failures = 0;
    while (!abort.signal.aborted) {
      while (active < concurrency && buffered.length > 0)
        launch((buffered.shift() as { delivery: Delivery }).delivery);
      if (buffered.length === 0) {
        keepAlive?.cancel();
        keepAlive = undefined;
      }
      // With messages still waiting here, wait for a slot; with none, receive the next batch even while every slot
      // is busy, so the round trip overlaps the handlers (in hand at most: concurrency + one batch).
      if (buffered.length > 0) {
        await new Promise<void>((resolve) => {
          const wake = () => {
            slotWaiter = undefined;
            abort.signal.removeEventListener('abort', wake);
            resolve();
          };
          slotWaiter = wake;
          abort.signal.addEventListener('abort', wake, { once: true });
        });
        continue;
      }
      const max = batch;
      let deliveries: Delivery[];
      try {
        deliveries = await receiver.receive(max, {
          waitSeconds: options.waitSeconds ?? 10,
          signal: abort.signal,
        });
        failures = 0;
      } catch (error) {
        if (abort.signal.aborted) break;
        if (ConfigurationError.isInstance(error)) {
          // A closed driver or a wrong setup does not heal by retrying: stop (in-flight work still finishes).
          ctx.logger.error('receive failed; consumer stopped', {
            source: sourcePath,
            error: describe(error),
          });
          break;
        }
        failures++;
        ctx.logger.warn('receive failed; retrying', { source: sourcePath, error: describe(error) });
        await sleep(ctx.clock, Math.min(30_000, 100 * 2 ** Math.min(failures, 8)), abort.signal);
        continue;
      }
      const now = ctx.clock.now();
      for (const d of deliveries) {
        if (active < concurrency) launch(d);
        else buffered.push({ delivery: d, since: now });
      }
      keepBufferedAlive();
    }
  };

  const loopDone = loop();
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      abort.abort();
      await loopDone;
      keepAlive?.cancel();
      // Received but never started: back to the broker at once.
      await Promise.allSettled(buffered.splice(0).map((b) => b.delivery.release(0)));
      while (running.size > 0) await Promise.allSettled([...running]);
      await processor.drain();
      await receiver.close();
    })();
    return closing;
  };
  options.signal?.addEventListener('abort', () => void close(), { once: true });
  if (options.signal?.aborted) void close();

  let resolveClosed: () => void;
  const closed = new Promise<void>((resolve) => {
    resolveClosed = resolve;
  });
  loopDone.then(
    async () => {
      await close();
      resolveClosed();
    },
    async (error: unknown) => {
      ctx.logger.error('consumer loop crashed', { source: sourcePath, error: describe(error) });
      await close();
      resolveClosed();
    },
  );

  return {
    close: async () => {
      await close();
      await closed;
    },
    closed,
    get inFlight() {
      return active;
    },
  };
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
