/**
 * The dead-letter API: count, read and redrive the dead letters of a queue or subscription.
 *
 * Reading receives from the source's dead-letter queue through the driver (so it works the same on every adapter,
 * native dead-letter queues included). Redrive sends each dead letter's ORIGINAL body and user attributes back to its
 * source — `driver.send` for a queue, `driver.redeliver` for one subscription — with `omnibus_meta` carrying the
 * original id and the redrive count, then acks the dead letter. A loop guard refuses messages already redriven
 * `maxRedrives` times (default 3); a dry run reports what would move and leaves everything where it was.
 * Redrive is at-least-once: if acking a dead letter fails after its copy was sent, it stays and is reported
 * `failed` (idempotency on the source absorbs the duplicate).
 *
 * @example
 * ```ts
 * const dlq = deadLetters(bus, billing);
 * console.log(await dlq.count());
 * for (const dl of await dlq.read({ max: 10 })) { console.log(dl.envelope?.reason); await dl.release(); }
 * const report = await dlq.redrive({ filter: (dl) => dl.envelope?.reason === 'max-attempts', ratePerSecond: 50 });
 * await dlq.close();
 * ```
 * @module
 */
import { createHash, randomUUID } from 'node:crypto';
import { type Attributes, encodeMeta, META_ATTRIBUTE, splitAttributes } from './attributes.js';
import type { Bus } from './bus.js';
import { type Clock, sleep, systemClock } from './clock.js';
import { decodeBody } from './codec.js';
import { type Consumable, pathOf } from './declarations.js';
import type { Delivery, DriverMessage, QueueSpec, Receiver, SendOutcome, SourceSpec } from './driver.js';
import { type DeadLetterEnvelope, readEnvelope } from './envelope.js';
import { CapabilityError, ConfigurationError, OmnibusError, ValidationError } from './errors.js';
import { checkMessage } from './limits.js';
import { specOf } from './plan.js';

/** Default of `maxRedrives`: a message may be redriven this many times, then the loop guard refuses it. */
export const DEFAULT_MAX_REDRIVES = 3;

/** Most unsettled dead letters one reader holds at once (flow control for streaming drivers). */
const READER_MAX_IN_FLIGHT = 100;

/** One dead letter as read from the dead-letter queue. */
export interface DeadLetter<T = unknown> {
  /** Provider id of the dead-letter message. */
  readonly id: string;
  /** Id the message had on its source (from the envelope), else `id`. */
  readonly originalId: string;
  /** The body decoded in the source's format; undefined when it cannot be decoded (see `rawBody`). */
  readonly body: T | undefined;
  /** The body exactly as on the wire. */
  readonly rawBody: string | Uint8Array;
  /** User attributes (Omnibus's reserved ones removed). */
  readonly attributes: Attributes;
  readonly orderingKey: string | undefined;
  /** Why it was dead-lettered; undefined when the broker moved it without one (a native max-deliveries move). */
  readonly envelope: DeadLetterEnvelope | undefined;
  /** Times it was redriven before. */
  readonly redrives: number;
  readonly publishTime: Date;
  /** Removes it from the dead-letter queue for good. */
  ack(): Promise<void>;
  /** Puts it back on the dead-letter queue (after `delaySeconds`, default 0). */
  release(delaySeconds?: number): Promise<void>;
}

/** Options of {@link DeadLetterQueue.read}. */
export interface ReadOptions {
  /** Most dead letters to return (1–1000, default 10). */
  readonly max?: number;
  /** Longest wait for the first one, in seconds (default 1: streaming drivers need a moment to deliver). */
  readonly waitSeconds?: number;
}

/** Options of {@link DeadLetterQueue.redrive}. */
export interface RedriveOptions<T = unknown> {
  /** Only dead letters this returns true for are redriven; the others stay (reported as `filtered`). */
  readonly filter?: (deadLetter: DeadLetter<T>) => boolean;
  /** Most messages to redrive (default: all there are). */
  readonly max?: number;
  /** Most messages sent per second (default: no limit), timed with the bus clock. */
  readonly ratePerSecond?: number;
  /** Report what would be redriven and leave everything in place. */
  readonly dryRun?: boolean;
  /** Loop guard: refuse messages already redriven this many times (default: the reader's, 3). */
  readonly maxRedrives?: number;
  /** Longest wait of each receive from the dead-letter queue, in seconds (default 1). */
  readonly waitSeconds?: number;
}

/** What happened to one dead letter during a redrive. */
export interface RedriveItem {
  readonly id: string;
  readonly originalId: string;
  readonly outcome: 'redriven' | 'would-redrive' | 'filtered' | 'max-redrives' | 'failed';
  /** Why a redrive failed (the dead letter stays). */
  readonly error?: unknown;
}

/** The result of a redrive. */
export interface RedriveReport {
  /** Messages sent back to the source (0 on a dry run). */
  readonly redriven: number;
  /** Messages left in place by the filter or the loop guard. */
  readonly skipped: number;
  /** Messages whose send failed; they stay on the dead-letter queue. */
  readonly failed: number;
  /** Dry run only: messages that would have been redriven. */
  readonly wouldRedrive?: number;
  /** Every dead letter seen, with its outcome. */
  readonly items: readonly RedriveItem[];
}

/** The dead letters of one source. */
export interface DeadLetterQueue<T = unknown> {
  /** Dead-letter queue name, and the source it serves. */
  readonly name: string;
  readonly source: string;
  /** Approximate number of dead letters, or undefined when the provider cannot tell. */
  count(): Promise<number | undefined>;
  /** Receives up to `max` dead letters; each must be acked or released (close releases the rest). */
  read(options?: ReadOptions): Promise<DeadLetter<T>[]>;
  /** Sends dead letters back to the source; see {@link RedriveOptions}. */
  redrive(options?: RedriveOptions<T>): Promise<RedriveReport>;
  /** Releases unsettled dead letters this reader returned and closes its receiver. */
  close(): Promise<void>;
}

/** Options of {@link deadLetters}. */
export interface DeadLettersOptions {
  /** Clock for rate limiting (default: the bus's clock when it exposes one, else the system clock). */
  readonly clock?: Clock;
  /** Default loop guard for redrives (default 3). */
  readonly maxRedrives?: number;
}

function assertInteger(field: string, value: number | undefined, min: number, max: number): void {
  if (value === undefined) return;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ValidationError(field, [
      { message: `must be an integer from ${min} to ${max}, got ${String(value)}` },
    ]);
  }
}

function assertNumber(field: string, value: number | undefined, min: number, max: number): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw new ValidationError(field, [
      { message: `must be a number from ${min} to ${max}, got ${String(value)}` },
    ]);
  }
}

/**
 * `omnibus_meta` of a redriven copy: the original id and the redrive count (`id=…;r=N`). Matches
 * `encodeMeta({ originalId, redrives })` once `DeliveryMeta` carries `redrives` (`r=`).
 *
 * @example
 * ```ts
 * redriveMeta('m-1', 2); // 'id=m-1;r=2'
 * ```
 */
export function redriveMeta(originalId: string, redrives: number): string {
  return `${encodeMeta({ originalId })};r=${redrives}`;
}

/**
 * The redrive count carried by an `omnibus_meta` value (`r=N`), or 0.
 *
 * @example
 * ```ts
 * redrivesOf('id=m-1;r=2'); // 2
 * ```
 */
export function redrivesOf(meta: unknown): number {
  if (typeof meta !== 'string') return 0;
  const match = /(?:^|;)r=(\d+)(?:;|$)/.exec(meta);
  return match ? Number(match[1]) : 0;
}

/**
 * Opens the dead letters of a queue or subscription declared with a dead-letter queue.
 *
 * @example
 * ```ts
 * const report = await deadLetters(bus, emailSub).redrive({ dryRun: true }); // { wouldRedrive: 4, … }
 * ```
 */
export function deadLetters<T = unknown>(
  bus: Bus,
  source: Consumable<T>,
  options: DeadLettersOptions = {},
): DeadLetterQueue<T> {
  const decl = source as Consumable;
  const path = pathOf(decl);
  if (!decl.deadLetter) {
    throw new ConfigurationError(
      'source',
      `${decl.kind} "${path}" has no dead-letter queue (deadLetter: false)`,
    );
  }
  assertInteger('maxRedrives', options.maxRedrives, 0, 1_000);
  const driver = bus.driver;
  const caps = driver.capabilities;
  const clock = options.clock ?? (bus as { readonly clock?: Clock }).clock ?? systemClock;
  const defaultMaxRedrives = options.maxRedrives ?? DEFAULT_MAX_REDRIVES;
  const dlqSpec: QueueSpec = specOf(decl.deadLetter, caps);
  const sourceSpec: SourceSpec =
    decl.kind === 'queue' ? specOf(decl, caps) : (specOf(decl, caps) as SourceSpec);
  const unsettled = new Set<Delivery>();
  let receiver: Receiver | undefined;
  let closed = false;

  const open = (): Receiver => {
    if (closed) throw new ConfigurationError('deadLetters', 'is closed');
    receiver ??= driver.openReceiver(dlqSpec, {
      maxInFlight: READER_MAX_IN_FLIGHT,
      leaseSeconds: dlqSpec.leaseSeconds,
    });
    return receiver;
  };

  const settle = async (d: Delivery, fn: () => Promise<void>): Promise<void> => {
    if (!unsettled.has(d)) return; // settling twice is a no-op
    unsettled.delete(d);
    await fn();
  };

  const toDeadLetter = (d: Delivery): DeadLetter<T> => {
    const { user, meta } = splitAttributes(d.attributes);
    const envelope = readEnvelope(d.attributes);
    let body: T | undefined;
    try {
      body = decodeBody(decl.format, d.body) as T;
    } catch {
      body = undefined;
    }
    return {
      id: d.id,
      originalId: envelope?.originalId ?? d.id,
      body,
      rawBody: d.body,
      attributes: user,
      orderingKey: d.orderingKey,
      envelope,
      redrives: Math.max(envelope?.redrives ?? 0, redrivesOf(meta)),
      publishTime: d.publishTime,
      ack: () => settle(d, () => d.ack()),
      release: (delaySeconds = 0) =>
        settle(d, () => d.release(Math.min(Math.max(0, delaySeconds), caps.release.maxDelaySeconds))),
    };
  };

  const receive = async (max: number, waitSeconds: number): Promise<Delivery[]> => {
    const got = await open().receive(Math.min(max, caps.limits.maxReceiveCount), { waitSeconds });
    for (const d of got) unsettled.add(d);
    return got;
  };

  const copyFor = (dl: DeadLetter<T>, d: Delivery): DriverMessage => {
    const redrives = dl.redrives + 1;
    const needsDedupId =
      sourceSpec.kind === 'queue' && (sourceSpec.dedupWindowSeconds !== undefined || sourceSpec.ordered);
    let dedupId: string | undefined;
    if (needsDedupId) {
      dedupId = `redrive-${redrives}-${dl.originalId}`;
      if (dedupId.length > caps.limits.maxDedupIdLength) {
        dedupId = createHash('sha256')
          .update(dedupId)
          .digest('hex')
          .slice(0, Math.min(64, caps.limits.maxDedupIdLength));
      }
    }
    const message: DriverMessage = {
      body: d.body,
      attributes: { ...dl.attributes, [META_ATTRIBUTE]: redriveMeta(dl.originalId, redrives) },
      orderingKey: d.orderingKey,
      dedupId,
      id: randomUUID(),
    };
    checkMessage(message, caps, 'body');
    return message;
  };

  const sendBack = async (message: DriverMessage): Promise<void> => {
    let outcomes: SendOutcome[];
    if (sourceSpec.kind === 'queue') outcomes = await driver.send(sourceSpec, [message]);
    else if (driver.redeliver) outcomes = await driver.redeliver(sourceSpec, [message]);
    else throw redeliverMissing();
    const [outcome] = outcomes;
    if (!outcome?.ok) {
      throw outcome?.error ?? new OmnibusError('REDRIVE_FAILED', `redrive to ${path} returned no outcome`);
    }
  };

  const redeliverMissing = () =>
    new CapabilityError(
      caps.provider,
      `redrive to subscription "${path}"`,
      'the driver cannot put a message onto one subscription (no redeliver)',
    );

  return {
    name: dlqSpec.name,
    source: path,
    async count() {
      return driver.depth ? driver.depth(dlqSpec) : undefined;
    },
    async read(opts = {}) {
      assertInteger('max', opts.max, 1, 1_000);
      assertNumber('waitSeconds', opts.waitSeconds, 0, 20);
      const max = opts.max ?? 10;
      const out: DeadLetter<T>[] = [];
      let wait = opts.waitSeconds ?? 1;
      while (out.length < max) {
        const got = await receive(max - out.length, wait);
        if (got.length === 0) break;
        out.push(...got.map(toDeadLetter));
        wait = 0;
      }
      return out;
    },
    async redrive(opts = {}) {
      assertInteger('max', opts.max, 1, Number.MAX_SAFE_INTEGER);
      assertNumber('ratePerSecond', opts.ratePerSecond, Number.MIN_VALUE, 10_000);
      assertInteger('maxRedrives', opts.maxRedrives, 0, 1_000);
      assertNumber('waitSeconds', opts.waitSeconds, 0, 20);
      if (sourceSpec.kind === 'subscription' && !driver.redeliver) throw redeliverMissing();
      const max = opts.max ?? Number.POSITIVE_INFINITY;
      const maxRedrives = opts.maxRedrives ?? defaultMaxRedrives;
      const dryRun = opts.dryRun ?? false;
      const interval = opts.ratePerSecond === undefined ? 0 : 1000 / opts.ratePerSecond;
      const items: RedriveItem[] = [];
      /** Every dead letter this run received; those not acked go back at the end (settling twice is a no-op). */
      const touched: DeadLetter<T>[] = [];
      const seen = new Set<string>();
      /** Original ids redriven by this run: if one is dead-lettered again meanwhile, the next run decides. */
      const redrivenNow = new Set<string>();
      let redriven = 0;
      let skipped = 0;
      let failed = 0;
      let would = 0;
      let nextSendAt = clock.now();
      const moved = () => (dryRun ? would : redriven);
      try {
        while (moved() < max) {
          const batch = await receive(
            Math.min(caps.limits.maxReceiveCount, max - moved()),
            opts.waitSeconds ?? 1,
          );
          if (batch.length === 0) break;
          let fresh = 0;
          const dls = batch.map(toDeadLetter);
          touched.push(...dls);
          for (const [i, dl] of dls.entries()) {
            const d = batch[i] as Delivery;
            if (seen.has(d.id)) continue; // came back after its lease lapsed: already counted
            seen.add(d.id);
            if (redrivenNow.has(dl.originalId)) continue; // failed again after this run redrove it: left as is
            fresh++;
            const item = { id: dl.id, originalId: dl.originalId };
            if (dl.redrives >= maxRedrives) {
              items.push({ ...item, outcome: 'max-redrives' });
              skipped++;
            } else if (opts.filter && !opts.filter(dl)) {
              items.push({ ...item, outcome: 'filtered' });
              skipped++;
            } else if (moved() >= max) {
              seen.delete(d.id); // beyond max: untouched, unreported
            } else if (dryRun) {
              items.push({ ...item, outcome: 'would-redrive' });
              would++;
            } else {
              try {
                const message = copyFor(dl, d);
                const wait = nextSendAt - clock.now();
                if (wait > 0) await sleep(clock, wait);
                nextSendAt = Math.max(nextSendAt, clock.now()) + interval;
                await sendBack(message);
                redrivenNow.add(dl.originalId);
                await dl.ack();
                items.push({ ...item, outcome: 'redriven' });
                redriven++;
              } catch (error) {
                items.push({ ...item, outcome: 'failed', error });
                failed++;
              }
            }
          }
          if (fresh === 0) break;
        }
      } finally {
        await Promise.allSettled(touched.map((dl) => dl.release(0)));
      }
      return dryRun
        ? { redriven, skipped, failed, wouldRedrive: would, items }
        : { redriven, skipped, failed, items };
    },
    async close() {
      if (closed) return;
      closed = true;
      await Promise.allSettled([...unsettled].map((d) => settle(d, () => d.release(0))));
      await receiver?.close();
    },
  };
}
