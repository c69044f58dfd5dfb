/**
 * Per-test setup: a fresh driver from the harness, a bus on it (virtual clock on memory), provisioning, and cleanup
 * registered with the test runner, so every case starts clean and leaves nothing running.
 *
 * @example
 * ```ts
 * it('round trip', async () => {
 *   const q = defineQueue(h.uniqueName('rt'));
 *   const ctx = await setup(h, [q]);
 *   await ctx.bus.send(q, { hello: 'world' });
 * });
 * ```
 * @module
 */
import { onTestFinished } from 'vitest';
import {
  type Bus,
  type BusOptions,
  type Capabilities,
  type Consumable,
  type Consumer,
  type ConsumerOptions,
  createBus,
  type Declaration,
  type Driver,
  type Handler,
  type MessageBody,
  type QueueSpec,
  type Receiver,
  type ReceiverOptions,
  type SourceSpec,
  type SubscriptionSpec,
  sleep,
  specOf,
  systemClock,
} from '../../../core/index.js';
import type { ConformanceHarness } from '../harness.js';
import {
  CountingClock,
  type HookRecord,
  type LogLine,
  recordHooks,
  recordLogs,
  recordSends,
  type SendCall,
} from './recorders.js';
import { drive } from './time.js';

/**
 * Everything a case works with.
 *
 * @example
 * ```ts
 * const ctx: TestContext = await setup(h, [q]);
 * await ctx.bus.send(q, { n: 1 });
 * expect(ctx.sends).toHaveLength(1);
 * ```
 */
export interface TestContext {
  readonly h: ConformanceHarness;
  /** The bus, on the recorded driver, with the counting clock, recording logger and hooks. */
  readonly bus: Bus;
  /** The recording wrapper the bus uses (sends through it are recorded). */
  readonly driver: Driver;
  /** The harness's driver itself (sends through it are not recorded). */
  readonly rawDriver: Driver;
  readonly caps: Capabilities;
  /** Every `driver.send` call made through {@link TestContext.driver}. */
  readonly sends: SendCall[];
  /** Abort signals the bus's consumers passed to `receive`. */
  readonly receiveSignals: ReadonlySet<AbortSignal>;
  /** The bus's clock: the harness clock (or the system clock) counting live timers. */
  readonly clock: CountingClock;
  readonly logs: LogLine[];
  readonly events: HookRecord[];
  /** Current time on the bus's clock (virtual or real), epoch ms. */
  now(): number;
  /** Sleeps on the bus's clock (virtual: resolves as the suite advances time). */
  sleep(ms: number): Promise<void>;
  /** Starts a consumer that is closed when the test ends. */
  consume<D extends Consumable<any>>(
    source: D,
    handler: Handler<MessageBody<D>>,
    options?: ConsumerOptions,
  ): Consumer;
  /** Opens a raw driver receiver (closed when the test ends). */
  openReceiver(spec: QueueSpec | SubscriptionSpec, options?: Partial<ReceiverOptions>): Receiver;
  /** The driver spec of a queue or subscription declaration, as the bus computes it. */
  sourceSpec(decl: Consumable<any>): SourceSpec;
  /** Closes consumers, receivers and the bus (idempotent; runs at the end of the test anyway). */
  close(): Promise<void>;
}

/**
 * Options of {@link setup}.
 *
 * @example
 * ```ts
 * await setup(h, [q], { provision: false, bus: { middleware: [timing] } });
 * ```
 */
export interface SetupOptions {
  /** Call `bus.provision()` (default true). */
  readonly provision?: boolean | undefined;
  /** Extra bus options (middleware, a schema-aware logger …); adapter, clock, logger and hooks are the suite's. */
  readonly bus?: Partial<Omit<BusOptions, 'adapter' | 'declarations'>> | undefined;
}

/**
 * Creates driver and bus for one test, provisions the declarations, and registers cleanup (consumers, receivers,
 * `bus.close()`, which also closes the driver) to run when the test finishes.
 *
 * @example
 * ```ts
 * const ctx = await setup(h, [orders], { provision: false });
 * ```
 */
export async function setup(
  h: ConformanceHarness,
  declarations: readonly Declaration[],
  options: SetupOptions = {},
): Promise<TestContext> {
  const rawDriver = await h.makeDriver();
  const { driver, sends, signals } = recordSends(rawDriver);
  const clock = new CountingClock(h.clock ?? systemClock);
  const { logger, lines: logs } = recordLogs();
  const { hooks, events } = recordHooks();
  const consumers = new Set<Consumer>();
  const receivers = new Set<Receiver>();
  let bus: Bus;
  try {
    bus = createBus({
      random: () => 0.5,
      ...options.bus,
      adapter: driver,
      declarations,
      clock,
      logger,
      hooks,
    });
  } catch (error) {
    await rawDriver.close();
    throw error;
  }
  let closing: Promise<void> | undefined;
  const ctx: TestContext = {
    h,
    bus,
    driver,
    rawDriver,
    caps: rawDriver.capabilities,
    sends,
    receiveSignals: signals,
    clock,
    logs,
    events,
    now: () => clock.now(),
    sleep: (ms) => sleep(clock, ms),
    consume(source, handler, consumeOptions) {
      const consumer = bus.consume(source, handler, {
        ...(h.clock ? {} : { waitSeconds: 2 }),
        ...consumeOptions,
      });
      consumers.add(consumer);
      return consumer;
    },
    openReceiver(spec, receiverOptions = {}) {
      const receiver = rawDriver.openReceiver(spec, {
        maxInFlight: receiverOptions.maxInFlight ?? 10,
        leaseSeconds: receiverOptions.leaseSeconds ?? spec.leaseSeconds,
      });
      receivers.add(receiver);
      return receiver;
    },
    sourceSpec: (decl) => specOf(decl, rawDriver.capabilities) as SourceSpec,
    close() {
      closing ??= (async () => {
        const errors: unknown[] = [];
        const attempt = async (what: string, p: Promise<unknown>) => {
          try {
            await drive(h, p, { what });
          } catch (error) {
            errors.push(error);
          }
        };
        for (const c of consumers) await attempt('consumer.close()', c.close());
        for (const r of receivers) await attempt('receiver.close()', r.close());
        await attempt('bus.close()', bus.close());
        if (errors.length > 0) throw errors[0];
      })();
      return closing;
    },
  };
  onTestFinished(() => ctx.close());
  if (options.provision ?? true) await drive(h, bus.provision(), { what: 'bus.provision()' });
  return ctx;
}

/**
 * Runs `fn` with a fresh driver from the harness and closes it afterwards (for cases that only need capabilities
 * or `createBus` refusals).
 *
 * @example
 * ```ts
 * await withDriver(h, (driver) => expect(() => createBus({ adapter: driver, declarations: [q] })).toThrow());
 * ```
 */
export async function withDriver<T>(
  h: ConformanceHarness,
  fn: (driver: Driver) => T | Promise<T>,
): Promise<T> {
  const driver = await h.makeDriver();
  try {
    return await fn(driver);
  } finally {
    await driver.close();
  }
}
