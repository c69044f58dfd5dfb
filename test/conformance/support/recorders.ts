/**
 * Recorders the suite puts between the bus and the adapter: a driver wrapper that records every `send` call, a
 * clock wrapper that counts the bus's live timers, and a logger and hooks that record what the bus reports.
 *
 * @example
 * ```ts
 * const spy = recordSends(driver);
 * const bus = createBus({ adapter: spy.driver, clock: new CountingClock(systemClock) });
 * expect(spy.sends).toHaveLength(0); // nothing was sent
 * ```
 * @module
 */
import { createHook } from 'node:async_hooks';
import {
  type Clock,
  type Driver,
  type Hooks,
  type LogFields,
  type Logger,
  messageBytes,
  type TargetSpec,
  type Timer,
} from '../../../core/index.js';

/**
 * One `driver.send` call as the adapter saw it.
 *
 * @example
 * ```ts
 * expect(ctx.sends.every((c: SendCall) => c.count <= caps.limits.maxBatchCount)).toBe(true);
 * ```
 */
export interface SendCall {
  readonly target: TargetSpec;
  readonly count: number;
  /** Bytes as the provider counts them (body, plus attributes where they count). */
  readonly bytes: number;
}

/**
 * Wraps a driver so every `send` call is recorded, and every abort signal the bus passes to `receive` is kept;
 * everything else is passed through unchanged (optional methods stay absent when the driver lacks them).
 *
 * @example
 * ```ts
 * const { driver, sends } = recordSends(await h.makeDriver());
 * ```
 */
export function recordSends(inner: Driver): { driver: Driver; sends: SendCall[]; signals: Set<AbortSignal> } {
  const sends: SendCall[] = [];
  const signals = new Set<AbortSignal>();
  const driver: Driver = {
    specVersion: inner.specVersion,
    get capabilities() {
      return inner.capabilities;
    },
    provision: (topology) => inner.provision(topology),
    send: (target, messages) => {
      const counted = inner.capabilities.limits.attributesCountInSize;
      sends.push({
        target,
        count: messages.length,
        bytes: messages.reduce((sum, m) => sum + messageBytes(m, counted), 0),
      });
      return inner.send(target, messages);
    },
    openReceiver: (source, options) => {
      const receiver = inner.openReceiver(source, options);
      return {
        receive: (max, receiveOptions) => {
          if (receiveOptions.signal) signals.add(receiveOptions.signal);
          return receiver.receive(max, receiveOptions);
        },
        close: () => receiver.close(),
      };
    },
    close: () => inner.close(),
    ...(inner.redeliver
      ? {
          redeliver: (source, messages) =>
            (inner.redeliver as NonNullable<Driver['redeliver']>)(source, messages),
        }
      : {}),
    ...(inner.depth ? { depth: (source) => (inner.depth as NonNullable<Driver['depth']>)(source) } : {}),
  };
  return { driver, sends, signals };
}

/**
 * A clock that delegates to another and counts the timers set through it that have neither fired nor been
 * cancelled: after `bus.close()` the bus must leave none.
 *
 * @example
 * ```ts
 * const clock = new CountingClock(systemClock);
 * clock.pending; // 0
 * ```
 */
export class CountingClock implements Clock {
  readonly #inner: Clock;
  readonly #live = new Set<object>();

  constructor(inner: Clock) {
    this.#inner = inner;
  }

  now(): number {
    return this.#inner.now();
  }

  setTimer(fn: () => void, ms: number): Timer {
    const token = {};
    this.#live.add(token);
    const timer = this.#inner.setTimer(() => {
      this.#live.delete(token);
      fn();
    }, ms);
    return {
      cancel: () => {
        this.#live.delete(token);
        timer.cancel();
      },
    };
  }

  /** Timers set through this clock and still pending. */
  get pending(): number {
    return this.#live.size;
  }
}

/**
 * One log line the bus wrote.
 *
 * @example
 * ```ts
 * ctx.logs.filter((l: LogLine) => l.level === 'error');
 * ```
 */
export interface LogLine {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly message: string;
  readonly fields: LogFields | undefined;
}

/**
 * A logger that keeps every line (the suite checks that errors are surfaced, and that bodies never are).
 *
 * @example
 * ```ts
 * const { logger, lines } = recordLogs();
 * ```
 */
export function recordLogs(): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const at =
    (level: LogLine['level']) =>
    (message: string, fields?: LogFields): void => {
      lines.push({ level, message, fields });
    };
  return { logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }, lines };
}

/**
 * One lifecycle event the bus reported through its hooks.
 *
 * @example
 * ```ts
 * ctx.events.filter((e: HookRecord) => e.kind === 'acked').length;
 * ```
 */
export interface HookRecord {
  readonly kind: 'received' | 'acked' | 'released' | 'deadLettered' | 'filtered' | 'duplicateSkipped';
  readonly source: string;
  readonly messageId: string;
  readonly attempt: number;
  readonly reason?: string | undefined;
}

/**
 * Hooks that keep every lifecycle event.
 *
 * @example
 * ```ts
 * const { hooks, events } = recordHooks();
 * events.filter((e) => e.kind === 'acked').length;
 * ```
 */
export function recordHooks(): { hooks: Hooks; events: HookRecord[] } {
  const events: HookRecord[] = [];
  const hooks: Hooks = {
    onReceived: (e) => events.push({ kind: 'received', ...e }),
    onAcked: (e) =>
      events.push({ kind: 'acked', source: e.source, messageId: e.messageId, attempt: e.attempt }),
    onReleased: (e) =>
      events.push({ kind: 'released', source: e.source, messageId: e.messageId, attempt: e.attempt }),
    onDeadLettered: (e) =>
      events.push({
        kind: 'deadLettered',
        source: e.source,
        messageId: e.messageId,
        attempt: e.attempt,
        reason: e.reason,
      }),
    onFiltered: (e) => events.push({ kind: 'filtered', ...e }),
    onDuplicateSkipped: (e) =>
      events.push({ kind: 'duplicateSkipped', source: e.source, messageId: e.messageId, attempt: e.attempt }),
  };
  return { hooks, events };
}

/**
 * Live real timers created since tracking began.
 *
 * @example
 * ```ts
 * const timers: TimerTracker = trackRealTimers();
 * expect(timers.live()).toBe(0);
 * ```
 */
export interface TimerTracker {
  /** Ref'd timers created since tracking began that have neither fired (for good) nor been cleared. */
  live(): number;
  /** Stops tracking. */
  stop(): void;
}

interface TimeoutResource {
  hasRef?(): boolean;
  readonly _destroyed?: boolean;
}

/**
 * Tracks real timers (`setTimeout`/`setInterval`) created from now on, through `async_hooks`: a timer still pending
 * and ref'd after `bus.close()` would keep the process alive. Enable it only around one case (it hooks every async
 * resource).
 *
 * @example
 * ```ts
 * const timers = trackRealTimers();
 * // … create and close a bus …
 * expect(timers.live()).toBe(0);
 * timers.stop();
 * ```
 */
export function trackRealTimers(): TimerTracker {
  const created = new Set<TimeoutResource>();
  const hook = createHook({
    init(_id, type, _trigger, resource) {
      if (type === 'Timeout') created.add(resource as TimeoutResource);
    },
  }).enable();
  return {
    live() {
      let n = 0;
      for (const t of created) {
        if (t._destroyed === true) created.delete(t);
        else if (t.hasRef?.() !== false) n++;
      }
      return n;
    },
    stop: () => {
      hook.disable();
      created.clear();
    },
  };
}
