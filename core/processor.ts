/**
 * Processing of ONE delivery, shared by the consume loop and the serverless function adapters: emulated-delay holds,
 * filter checks, attempt counting, the middleware pipeline, settlement (ack, delayed release — native or by a
 * delayed copy — and dead-lettering with the envelope, native or by a copy), and lease extension while it runs.
 *
 * @example
 * ```ts
 * const processor = createProcessor(ctx, 'bill');
 * const outcome = await processor.process(delivery); // 'acked' | 'released' | 'dead-lettered' | …
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
import type { Clock, Timer } from './clock.js';
import type { Consumable } from './declarations.js';
import { pathOf } from './declarations.js';
import type { Capabilities, Delivery, Driver, QueueSpec, SourceSpec } from './driver.js';
import { buildEnvelope, encodeEnvelope, readEnvelope } from './envelope.js';
import { OmnibusError } from './errors.js';
import { matchesFilter } from './filter.js';
import type { Hooks } from './hooks.js';
import { messageBytes } from './limits.js';
import type { Logger } from './logger.js';
import type { DeadLetterRequest, DeliveryControl, Handler, ReceivedMessage } from './message.js';
import { nativeDelayUsable, type Plan } from './plan.js';

/** What processing needs from the bus. */
export interface ProcessorContext {
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
  /** Extend leases while the handler runs (default true; a function platform may own the lease instead). */
  readonly extendLeases?: boolean;
  /**
   * Acknowledge a successful delivery without waiting for the broker's answer, so the next delivery can start (and
   * acks can share a batch call); {@link Processor.drain} waits for them. A failed ack is logged: the message comes
   * back, as with any lost ack. Default false.
   */
  readonly ackInBackground?: boolean;
}

/** How a delivery ended. `released` and `held` went back to the broker; `failed` means settling itself failed. */
export type Outcome = 'acked' | 'released' | 'dead-lettered' | 'held' | 'filtered' | 'failed';

/** Processes deliveries of one source. */
export interface Processor {
  process(delivery: Delivery): Promise<Outcome>;
  /** Hands a delivery back unhandled (not an attempt: it is counted as a hold), e.g. one queued behind a failure. */
  giveBack(delivery: Delivery, delaySeconds?: number): Promise<void>;
  /** Keeps a delivery's lease alive while it waits (behind another of its ordering key); cancel to stop. */
  keepLease(delivery: Delivery): Timer;
  /** Waits for acks still in progress (see `ProcessorContext.ackInBackground`). */
  drain(): Promise<void>;
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

/** Creates a {@link Processor} for a source. */
export function createProcessor(ctx: ProcessorContext, handlerName: string): Processor {
  const sourcePath = pathOf(ctx.source);
  const background = new Set<Promise<void>>();
  const fallbackCounts = new BoundedMap<number>();
  const holds = new BoundedMap<number>();
  const firstFailures = new BoundedMap<number>();
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
    // A delayed copy would overtake the later messages of an ordered source: there order wins over backoff.
    if (ctx.plan.release === 'native' || delay === 0 || ctx.spec.ordered) {
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

  /** Handles one delivery and says how it ended. */
  const handleDelivery = async (d: Delivery): Promise<Outcome> => {
    const { user, meta: metaValue, deadLetter: dlValue } = splitAttributes(d.attributes);
    const meta = decodeMeta(metaValue);
    const now = ctx.clock.now();
    if (meta.notBefore !== undefined && meta.notBefore > now) {
      // Emulated delay, not due yet: never counted as an attempt.
      const wait = Math.ceil((meta.notBefore - now) / 1000);
      if (
        nativeDelayUsable(
          ctx.caps,
          ctx.spec.ordered,
          ctx.spec.kind === 'queue' && ctx.spec.dedupWindowSeconds !== undefined,
        )
      ) {
        // A chain of delayed copies: a new message each time, so the broker's delivery count is untouched.
        const { user: attrs } = splitAttributes(d.attributes);
        const carried = encodeMeta({ ...meta, originalId: meta.originalId ?? d.id });
        await ctx.requeue(
          ctx.spec,
          { body: d.body, attributes: { ...attrs, omnibus_meta: carried }, orderingKey: d.orderingKey },
          Math.min(wait, ctx.caps.delay.maxSeconds),
        );
        await d.ack();
      } else {
        holds.set(d.id, (holds.get(d.id) ?? 0) + 1);
        await d.release(Math.min(wait, ctx.caps.release.maxDelaySeconds));
      }
      return 'held';
    }
    if (ctx.source.kind === 'subscription' && ctx.source.filter && !matchesFilter(ctx.source.filter, user)) {
      await d.ack();
      forget(d.id);
      safeHook(() => ctx.hooks.onFiltered?.({ source: sourcePath, messageId: d.id, attempt: 1 }));
      return 'filtered';
    }
    const attempt = attemptOf(d, meta.attempts ?? 0);
    const originalId = meta.originalId ?? d.id;
    const started = ctx.clock.now();
    safeHook(() => ctx.hooks.onReceived?.({ source: sourcePath, messageId: d.id, attempt }));
    let settled = false;
    let outcome: Outcome = 'failed';
    const guard = async (fn: () => Promise<void>) => {
      if (settled) return;
      settled = true;
      await fn();
    };
    const redrives = meta.redrives ?? 0;
    const metaForCopy = () =>
      encodeMeta({ attempts: attempt, originalId, ...(redrives > 0 ? { redrives } : {}) });
    const control: DeliveryControl = {
      get settled() {
        return settled;
      },
      ack: () =>
        guard(async () => {
          await d.ack();
          outcome = 'acked';
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
          outcome = 'released';
          await release(d, delaySeconds, metaForCopy);
          safeHook(() =>
            ctx.hooks.onReleased?.({ source: sourcePath, messageId: d.id, attempt, delaySeconds }),
          );
        }),
      deadLetter: (request: DeadLetterRequest) =>
        guard(async () => {
          await deadLetter(d, request, attempt, originalId, user, handlerName, dlValue, redrives);
          outcome = 'dead-lettered';
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
    const lease = ctx.extendLeases === false ? { cancel() {} } : startLeaseExtension(d);
    try {
      await ctx.pipeline(message);
      if (!settled) {
        if (ctx.ackInBackground) {
          const acking = control.ack().catch((error: unknown) => {
            ctx.logger.warn('ack failed; the message will be delivered again', {
              source: sourcePath,
              messageId: d.id,
              error: describe(error),
            });
          });
          background.add(acking);
          void acking.finally(() => background.delete(acking));
          return 'acked';
        }
        await control.ack();
      }
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
      ctx.logger.debug(settled && outcome === 'failed' ? 'settling failed' : 'handler failed', {
        source: sourcePath,
        messageId: d.id,
        attempt,
        error: describe(error),
      });
    } finally {
      lease.cancel();
    }
    return outcome;
  };

  const deadLetter = async (
    d: Delivery,
    request: DeadLetterRequest,
    attempt: number,
    originalId: string,
    user: Attributes,
    handler: string,
    previous: unknown,
    redrives: number,
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
      redrives: Math.max(prior?.redrives ?? 0, redrives),
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
          // A lost lease cannot be won back: stop trying; the settle will report it.
          const lost = OmnibusError.isInstance(error) && !error.retryable;
          ctx.logger.warn(lost ? 'lease lost; no longer extending it' : 'lease extension failed', {
            source: sourcePath,
            messageId: d.id,
            error: String(error),
          });
          if (!lost) schedule();
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
  return {
    async drain() {
      while (background.size > 0) await Promise.allSettled([...background]);
    },
    async giveBack(d, delaySeconds = 0) {
      holds.set(d.id, (holds.get(d.id) ?? 0) + 1);
      await d.release(delaySeconds);
    },
    keepLease: (d) => (ctx.extendLeases === false ? { cancel() {} } : startLeaseExtension(d)),
    async process(d) {
      try {
        return await handleDelivery(d);
      } catch (error) {
        ctx.logger.error('delivery processing failed', {
          source: sourcePath,
          messageId: d.id,
          error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
        });
        return 'failed';
      }
    },
  };
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
