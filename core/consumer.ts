/**
 * The consume loop: receives within the consumer's concurrency, runs the pipeline per delivery, settles, extends
 * leases while handlers run, holds emulated delays, checks filters, counts attempts, keeps per-key order, and shuts
 * down gracefully (in-flight work finishes; nothing received is dropped).
 *
 * @example
 * ```ts
 * const consumer = bus.consume(billing, async (m) => charge(m.body), { concurrency: 8 });
 * await consumer.close();
 * ```
 * @module
 */
import {
  type Attributes,
  DEAD_LETTER_ATTRIBUTE,
  decodeMeta,
  encodeMeta,
  splitAttributes,
} from './attributes.js';
import { type Clock, sleep, type Timer } from './clock.js';
import type { Consumable } from './declarations.js';
import { pathOf } from './declarations.js';
import type { Capabilities, Delivery, Driver, QueueSpec, Receiver, SourceSpec } from './driver.js';
import { buildEnvelope, encodeEnvelope, readEnvelope } from './envelope.js';
import { OmnibusError } from './errors.js';
import { matchesFilter } from './filter.js';
import type { Hooks } from './hooks.js';
import { messageBytes } from './limits.js';
import type { Logger } from './logger.js';
import type { DeadLetterRequest, DeliveryControl, Handler, ReceivedMessage } from './message.js';
import type { Plan } from './plan.js';

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
export interface ConsumerContext {
  readonly driver: Driver;
  readonly caps: Capabilities;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly hooks: Hooks;
  readonly source: Consumable;
  readonly spec: SourceSpec;
  readonly plan: Plan;
  readonly deadLetterSpec: QueueSpec | undefined;
  /** Sends a copy back to the source with a native delay (for emulated delayed release). */
  readonly requeue: (
    spec: SourceSpec,
    message: { body: string | Uint8Array; attributes: Attributes; orderingKey?: string | undefined },
    delaySeconds: number,
  ) => Promise<void>;
  readonly pipeline: Handler<any>;
}

const MAX_TRACKED = 10_000;

/** A bounded map: the oldest entries go first once full. */
class BoundedMap<V> extends Map<string, V> {
  override set(key: string, value: V): this {
    if (!this.has(key) && this.size >= MAX_TRACKED) {
      const oldest = this.keys().next().value;
      if (oldest !== undefined) this.delete(oldest);
    }
    return super.set(key, value);
  }
}

/** Starts a consumer; see {@link Consumer}. */
export function startConsumer(ctx: ConsumerContext, handlerName: string, options: ConsumeOptions): Consumer {
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? 1));
  const sourcePath = pathOf(ctx.source);
  const abort = new AbortController();
  const receiver: Receiver = ctx.driver.openReceiver(ctx.spec, {
    maxInFlight: concurrency,
    leaseSeconds: ctx.spec.leaseSeconds,
  });
  const running = new Set<Promise<void>>();
  const fallbackCounts = new BoundedMap<number>();
  const holds = new BoundedMap<number>();
  const firstFailures = new BoundedMap<number>();
  const ordered = ctx.spec.ordered;
  /** Per ordering key: deliveries waiting behind the one in flight. */
  const keyQueues = new Map<string, Delivery[]>();
  let slotWaiter: (() => void) | undefined;
  let active = 0;

  const safeHook = (fn: () => void) => {
    try {
      fn();
    } catch (error) {
      ctx.logger.warn('hook threw', { source: sourcePath, error: String(error) });
    }
  };

  const attemptOf = (d: Delivery, metaAttempts: number): number => {
    let count = d.deliveryCount;
    if (count === undefined) {
      count = (fallbackCounts.get(d.id) ?? 0) + 1;
      fallbackCounts.set(d.id, count);
    }
    return Math.max(1, count - (holds.get(d.id) ?? 0) + metaAttempts);
  };

  const forget = (id: string) => {
    fallbackCounts.delete(id);
    holds.delete(id);
    firstFailures.delete(id);
  };

  const release = async (d: Delivery, delaySeconds: number, copyMeta: () => string): Promise<void> => {
    const delay = Math.max(0, delaySeconds);
    if (ctx.plan.release === 'native' || delay === 0) {
      await d.release(Math.min(delay, Math.max(ctx.caps.release.maxDelaySeconds, 0)));
      return;
    }
    const { user } = splitAttributes(d.attributes);
    await ctx.requeue(
      ctx.spec,
      { body: d.body, attributes: { ...user, omnibus_meta: copyMeta() }, orderingKey: d.orderingKey },
      delay,
    );
    await d.ack();
  };

  /** Handles one delivery; returns false when it went back to the broker (released or held). */
  const handleDelivery = async (d: Delivery): Promise<boolean> => {
    const { user, meta: metaValue, deadLetter: dlValue } = splitAttributes(d.attributes);
    const meta = decodeMeta(metaValue);
    const now = ctx.clock.now();
    if (meta.notBefore !== undefined && meta.notBefore > now) {
      // Emulated delay: hold without counting an attempt.
      holds.set(d.id, (holds.get(d.id) ?? 0) + 1);
      const wait = Math.ceil((meta.notBefore - now) / 1000);
      await d.release(Math.min(wait, ctx.caps.release.maxDelaySeconds));
      return false;
    }
    if (ctx.source.kind === 'subscription' && ctx.source.filter && !matchesFilter(ctx.source.filter, user)) {
      await d.ack();
      forget(d.id);
      safeHook(() => ctx.hooks.onFiltered?.({ source: sourcePath, messageId: d.id, attempt: 1 }));
      return true;
    }
    const attempt = attemptOf(d, meta.attempts ?? 0);
    const originalId = meta.originalId ?? d.id;
    const started = ctx.clock.now();
    safeHook(() => ctx.hooks.onReceived?.({ source: sourcePath, messageId: d.id, attempt }));
    let settled = false;
    let released = false;
    const guard = async (fn: () => Promise<void>) => {
      if (settled) return;
      settled = true;
      await fn();
    };
    const metaForCopy = () => encodeMeta({ attempts: attempt, originalId });
    const control: DeliveryControl = {
      get settled() {
        return settled;
      },
      ack: () =>
        guard(async () => {
          await d.ack();
          forget(d.id);
          safeHook(() =>
            ctx.hooks.onAcked?.({
              source: sourcePath,
              messageId: d.id,
              attempt,
              durationMs: ctx.clock.now() - started,
            }),
          );
        }),
      release: (delaySeconds = 0) =>
        guard(async () => {
          if (!firstFailures.has(d.id)) firstFailures.set(d.id, ctx.clock.now());
          released = true;
          await release(d, delaySeconds, metaForCopy);
          safeHook(() =>
            ctx.hooks.onReleased?.({ source: sourcePath, messageId: d.id, attempt, delaySeconds }),
          );
        }),
      deadLetter: (request: DeadLetterRequest) =>
        guard(async () => {
          await deadLetter(d, request, attempt, originalId, user, handlerName, dlValue);
          forget(d.id);
          safeHook(() =>
            ctx.hooks.onDeadLettered?.({
              source: sourcePath,
              messageId: d.id,
              attempt,
              reason: request.reason,
              error: request.error,
            }),
          );
        }),
      extendLease: (seconds = ctx.spec.leaseSeconds) => d.extend(seconds),
    };
    const message: ReceivedMessage<unknown> = {
      id: originalId,
      body: undefined,
      attributes: user,
      orderingKey: d.orderingKey,
      attempt,
      maxAttempts: ctx.source.maxAttempts,
      publishTime: d.publishTime,
      source: sourcePath,
      handlerName,
      rawBody: d.body,
      raw: d.raw,
      delivery: control,
      deadLetter: dlValue === undefined ? undefined : readEnvelope(d.attributes),
    };
    const lease = startLeaseExtension(d);
    try {
      await ctx.pipeline(message);
      if (!settled) await control.ack();
    } catch (error) {
      if (!settled) {
        try {
          await control.release(0);
        } catch (releaseError) {
          ctx.logger.warn('release failed; the lease will expire', {
            source: sourcePath,
            messageId: d.id,
            error: String(releaseError),
          });
        }
      }
      ctx.logger.debug('handler failed', {
        source: sourcePath,
        messageId: d.id,
        attempt,
        error: describe(error),
      });
    } finally {
      lease.cancel();
    }
    return !released;
  };

  const deadLetter = async (
    d: Delivery,
    request: DeadLetterRequest,
    attempt: number,
    originalId: string,
    user: Attributes,
    handler: string,
    previous: unknown,
  ) => {
    const now = ctx.clock.now();
    const prior = previous === undefined ? undefined : readEnvelope(d.attributes);
    const envelope = buildEnvelope({
      reason: request.reason,
      error: request.error,
      attempts: attempt,
      source: sourcePath,
      handler,
      firstFailureAt: new Date(firstFailures.get(d.id) ?? now).toISOString(),
      lastFailureAt: new Date(now).toISOString(),
      originalId,
      redrives: prior?.redrives ?? 0,
    });
    const l = ctx.caps.limits;
    const used =
      messageBytes({ body: d.body, attributes: user }, l.attributesCountInSize) +
      DEAD_LETTER_ATTRIBUTE.length;
    const room = Math.max(64, Math.min(l.maxAttributeValueBytes, l.maxMessageBytes - used));
    const encoded = encodeEnvelope(envelope, room);
    const attributes = { ...user, [DEAD_LETTER_ATTRIBUTE]: encoded };
    if (ctx.plan.deadLetter === 'native' && d.deadLetter) {
      const description = envelope.error
        ? `${envelope.error.name}: ${envelope.error.message}`
        : request.reason;
      await d.deadLetter({ reason: request.reason, description, attributes });
      return;
    }
    if (!ctx.deadLetterSpec)
      throw new OmnibusError('NO_DEAD_LETTER_TARGET', `${sourcePath} has no dead-letter target`);
    const [outcome] = await ctx.driver.send(ctx.deadLetterSpec, [
      {
        body: d.body,
        attributes,
        orderingKey: d.orderingKey,
        dedupId: ctx.deadLetterSpec.ordered ? `dl-${d.id}-${attempt}` : undefined,
      },
    ]);
    if (!outcome?.ok)
      throw (
        outcome?.error ??
        new OmnibusError('DEAD_LETTER_FAILED', `dead-lettering to ${ctx.deadLetterSpec.name} failed`)
      );
    await d.ack();
  };

  const startLeaseExtension = (d: Delivery): Timer => {
    const lease = ctx.spec.leaseSeconds;
    const every = Math.max(250, (lease * 1000) / 3);
    let timer: Timer | undefined;
    let stopped = false;
    const tick = () => {
      if (stopped) return;
      d.extend(lease).then(
        () => schedule(),
        (error: unknown) => {
          ctx.logger.warn('lease extension failed', {
            source: sourcePath,
            messageId: d.id,
            error: String(error),
          });
          schedule();
        },
      );
    };
    const schedule = () => {
      if (!stopped) timer = ctx.clock.setTimer(tick, every);
    };
    schedule();
    return {
      cancel() {
        stopped = true;
        timer?.cancel();
      },
    };
  };

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
      await safeProcess(d);
      return;
    }
    const key = d.orderingKey;
    const waiting = keyQueues.get(key);
    if (waiting) {
      waiting.push(d);
      return;
    }
    keyQueues.set(key, []);
    let current: Delivery | undefined = d;
    while (current) {
      const ok = await safeProcess(current);
      const queue = keyQueues.get(key) ?? [];
      if (!ok) {
        // The failed message comes back first; release those behind it so order holds.
        for (const later of queue.splice(0)) await later.release(0).catch(() => undefined);
      }
      current = queue.shift();
    }
    keyQueues.delete(key);
  };

  /** Processes one delivery; true unless it went back to the broker. */
  const safeProcess = async (d: Delivery): Promise<boolean> => {
    try {
      return await handleDelivery(d);
    } catch (error) {
      ctx.logger.error('delivery processing failed', {
        source: sourcePath,
        messageId: d.id,
        error: describe(error),
      });
      return false;
    }
  };

  const loop = async (): Promise<void> => {
    let failures = 0;
    while (!abort.signal.aborted) {
      if (active >= concurrency) {
        await new Promise<void>((resolve) => {
          slotWaiter = () => {
            slotWaiter = undefined;
            resolve();
          };
          abort.signal.addEventListener('abort', () => resolve(), { once: true });
        });
        continue;
      }
      const max = Math.min(concurrency - active, ctx.caps.limits.maxReceiveCount);
      let deliveries: Delivery[];
      try {
        deliveries = await receiver.receive(max, {
          waitSeconds: options.waitSeconds ?? 10,
          signal: abort.signal,
        });
        failures = 0;
      } catch (error) {
        if (abort.signal.aborted) break;
        failures++;
        ctx.logger.warn('receive failed; retrying', { source: sourcePath, error: describe(error) });
        await sleep(ctx.clock, Math.min(30_000, 100 * 2 ** Math.min(failures, 8)), abort.signal);
        continue;
      }
      for (const d of deliveries) launch(d);
    }
  };

  const loopDone = loop();
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      abort.abort();
      await loopDone;
      while (running.size > 0) await Promise.allSettled([...running]);
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
