/**
 * The conformance harness: what an adapter gives the one conformance suite so it can run there. The suite is never
 * forked per adapter; what differs between providers is said here, truthfully, by {@link FeatureSwitches}.
 *
 * A switched-off feature never makes its case disappear: the case becomes a test that expects the typed
 * {@link CapabilityError} (for example declaring deduplication on Pub/Sub), or, where the feature exists but cannot
 * be observed on that backend in test time, a skipped test whose name says `(switched off: <reason>)`.
 *
 * @example
 * ```ts
 * import { conformance, type ConformanceHarness, uniqueNames } from 'omnibus/conformance';
 * import { memory, VirtualClock } from 'omnibus/memory';
 *
 * const clock = new VirtualClock();
 * const harness: ConformanceHarness = {
 *   name: 'memory',
 *   clock,
 *   makeDriver: () => memory({ clock }),
 *   uniqueName: uniqueNames(),
 *   minLeaseSeconds: 2,
 *   features: { ordering: true, dedup: true, dedupWindowObservable: true, delay: 'native', … },
 * };
 * conformance(harness);
 * ```
 * @module
 */
import type { Clock, Driver, QueueSpec } from '../../core/index.js';

/**
 * A clock the suite can move: the memory adapter's `VirtualClock`. The suite passes it to `createBus` (wrapped to
 * count the bus's timers) and advances it in small steps instead of sleeping.
 *
 * @example
 * ```ts
 * const clock: HarnessClock = new VirtualClock(); // from 'omnibus/memory'
 * ```
 */
export interface HarnessClock extends Clock {
  /** Moves virtual time forward by `ms`, firing due timers in order. */
  advance(ms: number): Promise<void>;
}

/**
 * How a number attribute comes back from the provider.
 *
 * @example
 * ```ts
 * const support: NumberAttributeSupport = 'string'; // Pub/Sub
 * ```
 */
export type NumberAttributeSupport =
  /** As a number (SQS `Number`, Service Bus numeric property, memory). */
  | 'number'
  /** As its decimal text (Pub/Sub attributes are strings). */
  | 'string';

/**
 * How a binary (`Uint8Array`) attribute comes back from the provider.
 *
 * @example
 * ```ts
 * const support: BinaryAttributeSupport = 'bytes'; // SQS Binary
 * ```
 */
export type BinaryAttributeSupport =
  /** As bytes (SQS `Binary`, Service Bus byte[] property, memory). */
  | 'bytes'
  /** As its base64 text (providers with string-only attributes that encode bytes). */
  | 'base64'
  /** Refused with a typed {@link OmnibusError} before anything is sent. */
  | 'refused';

/**
 * What the adapter (and the backend it runs against in tests) supports. Every switch is checked: when on, the suite
 * asserts the behaviour; when off, the suite asserts the typed refusal, or skips with the reason in the test name.
 * Say what is true of the backend the suite runs on (an emulator may lack what the cloud has: say so, and say why
 * in {@link ConformanceHarness.switchedOff}).
 *
 * @example
 * ```ts
 * const gcp: FeatureSwitches = {
 *   ordering: true, dedup: false, dedupWindowObservable: false, delay: 'emulated', nativeDeadLetterReason: false,
 *   brokerDeadLetter: true, serverFilters: false, leaseExpiry: true, deliveryCount: true,
 *   numberAttributes: 'string', binaryAttributes: 'base64',
 * };
 * ```
 */
export interface FeatureSwitches {
  /**
   * Ordered delivery per ordering key (SQS FIFO message groups, Pub/Sub ordering keys, Service Bus sessions).
   * Off: declaring `ordering: true` must raise CapabilityError at `createBus`.
   */
  readonly ordering: boolean;
  /**
   * Broker-side deduplication by dedup id (SQS FIFO, Service Bus duplicate detection, memory). Off (Pub/Sub):
   * declaring `deduplication` must raise CapabilityError at `createBus`.
   */
  readonly dedup: boolean;
  /**
   * The end of the dedup window can be observed in test time (memory with a virtual clock: yes; SQS's window is
   * fixed at 5 minutes: no). Off: the "outside the window" case is skipped with the reason.
   */
  readonly dedupWindowObservable: boolean;
  /**
   * How a delay (per message or a queue default) within the provider's native maximum is honoured:
   * `native` (SQS DelaySeconds ≤ 900 s, Service Bus scheduled enqueue, memory), `emulated` (the bus holds the
   * message through delayed release: Pub/Sub), `none` (neither: declaring a delayed queue raises CapabilityError).
   */
  readonly delay: 'native' | 'emulated' | 'none';
  /**
   * The broker records a dead-letter reason natively (`capabilities.deadLetter.withReason`: Service Bus; memory
   * with `nativeDeadLetter`). Off: the bus sends a copy with the envelope attribute to the dead-letter queue and
   * acks the original (SQS, Pub/Sub). Either way the envelope must arrive on the dead-letter queue.
   */
  readonly nativeDeadLetterReason: boolean;
  /**
   * The broker moves a message to the dead-letter queue by itself after `maxDeliveries` unsettled deliveries
   * (SQS redrive policy, Pub/Sub dead-letter policy, Service Bus MaxDeliveryCount, memory). Off: the driver-level
   * "broker dead-letters a message that is never settled" case is skipped with the reason.
   */
  readonly brokerDeadLetter: boolean;
  /**
   * Subscription filters are applied by the server in this backend, so a non-matching message never reaches a
   * raw receiver (SNS filter policies, Service Bus rules, memory). Off: the Pub/Sub emulator stores filters but
   * ignores them; the driver-level case is skipped with the reason (the bus-level filter cases still run: the bus
   * checks filters on receive everywhere).
   */
  readonly serverFilters: boolean;
  /**
   * An unsettled delivery comes back after its lease expires, within test time at {@link
   * ConformanceHarness.minLeaseSeconds}. Off: lease-expiry cases are skipped with the reason.
   */
  readonly leaseExpiry: boolean;
  /**
   * The driver reports the broker's delivery count (`Delivery.deliveryCount`) on a source that has a dead-letter
   * queue (SQS ApproximateReceiveCount, Pub/Sub deliveryAttempt with a dead-letter policy, Service Bus
   * deliveryCount). Off: the redelivery case accepts `undefined` and only checks that the message comes back.
   */
  readonly deliveryCount: boolean;
  /** How number attributes come back. */
  readonly numberAttributes: NumberAttributeSupport;
  /** How binary attributes come back (or whether they are refused). */
  readonly binaryAttributes: BinaryAttributeSupport;
}

/**
 * What an adapter gives the conformance suite. One harness object serves every test of a file; `makeDriver` is
 * called once per test and the suite closes that driver (through `bus.close()`) when the test ends.
 *
 * @example
 * ```ts
 * const harness: ConformanceHarness = {
 *   name: 'aws',
 *   makeDriver: () => aws(clientConfig),
 *   uniqueName: uniqueNames(),
 *   minLeaseSeconds: 2,
 *   features: awsFeatures,
 * };
 * conformance(harness);
 * ```
 */
export interface ConformanceHarness {
  /**
   * The adapter's name, used as the bracketed prefix of every test name: `memory`, `aws`, `gcp`, `azure`.
   * Every case's full name reads `[<name>] <group>: <case>`.
   */
  readonly name: string;
  /**
   * Optional label of a second configuration of the same adapter, run as its own suite (for example memory's
   * redrive-only mode, which plays SQS and Pub/Sub dead-lettering). Names then read
   * `[<name>:<variant>] <group>: <case>`.
   */
  readonly variant?: string | undefined;
  /**
   * A fresh driver for one test. The suite wraps it (to record sends), gives it to `createBus`, and closes it
   * with the bus when the test ends. Drivers of one harness must reach the same backend (an emulator) so that
   * unique names, not resets, keep tests apart; the memory harness returns a new in-memory broker each time.
   * Must NOT auto-create entities on first use: the suite checks that an unprovisioned entity is a NotFoundError.
   */
  makeDriver(): Driver | Promise<Driver>;
  /**
   * A unique, provider-legal entity name for this test: starts with a letter, then letters, digits and `-`,
   * at most 30 characters (derived names such as `<queue>-dlq` and `<topic>-<sub>-dlq` must stay legal).
   * {@link uniqueNames} makes a suitable function.
   */
  uniqueName(prefix: string): string;
  /**
   * Time. On memory: the adapter's `VirtualClock`, also given to the memory driver; the suite passes it to
   * `createBus` and advances it instead of sleeping. Elsewhere: undefined, meaning real time (the suite sleeps
   * briefly and polls).
   */
  readonly clock?: HarnessClock | undefined;
  /**
   * Timers pending on the harness clock (memory: `VirtualClock.pendingTimers`), to check that `bus.close()` leaves
   * none behind. Optional: without it the suite checks the bus's own timers and the process's real timers only.
   */
  pendingTimers?(): number;
  /**
   * The shortest legal lease in seconds, used by lease-expiry, lease-extension and redelivery cases: memory 2,
   * SQS 2, Pub/Sub 10 (its ack-deadline minimum, even though the emulator accepts less), Service Bus 5.
   */
  readonly minLeaseSeconds: number;
  /** What the adapter supports; see {@link FeatureSwitches}. */
  readonly features: FeatureSwitches;
  /**
   * Why a switch is off, shown in the skipped test's name (`(switched off: <reason>)`). Defaults are generic; say
   * the real reason, e.g. `{ serverFilters: 'the Pub/Sub emulator 0.8 ignores subscription filters' }`.
   */
  readonly switchedOff?: Partial<Record<keyof FeatureSwitches, string>> | undefined;
  /**
   * How long to wait for an expected delivery, in ms (default 15 000). On a virtual clock this is virtual time
   * (the suite also stops after a real-time guard so a broken adapter fails instead of hanging).
   */
  readonly patienceMs?: number | undefined;
  /**
   * How long to wait, in ms, before concluding that nothing more arrives (no duplicate, no filtered message, no
   * early redelivery). Default 3 000 virtual ms on a virtual clock, 1 500 real ms otherwise.
   */
  readonly settleMs?: number | undefined;
  /**
   * Per-test timeout of the test runner, in real ms. Default 30 000 with a virtual clock, 180 000 otherwise
   * (lease-expiry cases wait several leases in real time).
   */
  readonly testTimeoutMs?: number | undefined;
  /**
   * Sends `body` with the provider's own SDK client, no Omnibus involved (native-first interop), to the entity
   * `queue` names (map the name as the adapter does, e.g. a `.fifo` suffix). Optional: without it the suite sends
   * through `driver.send` with a plain message (no id, no Omnibus attributes).
   */
  sendPlain?(queue: QueueSpec, body: string, attributes: Readonly<Record<string, string>>): Promise<void>;
}

/**
 * Default {@link ConformanceHarness.patienceMs}.
 *
 * @example
 * ```ts
 * const patience = h.patienceMs ?? DEFAULT_PATIENCE_MS;
 * ```
 */
export const DEFAULT_PATIENCE_MS = 15_000;

/**
 * The patience of a harness, in ms.
 *
 * @example
 * ```ts
 * await eventually(h, check, { timeoutMs: patienceOf(h) * 2 });
 * ```
 */
export function patienceOf(h: ConformanceHarness): number {
  return h.patienceMs ?? DEFAULT_PATIENCE_MS;
}

/**
 * The settle time of a harness, in ms.
 *
 * @example
 * ```ts
 * await collect(ctx, q, 1, { settleMs: settleOf(h) });
 * ```
 */
export function settleOf(h: ConformanceHarness): number {
  return h.settleMs ?? (h.clock ? 3_000 : 1_500);
}

/**
 * The per-test timeout of a harness, in real ms.
 *
 * @example
 * ```ts
 * it('slow case', fn, testTimeoutOf(h));
 * ```
 */
export function testTimeoutOf(h: ConformanceHarness): number {
  return h.testTimeoutMs ?? (h.clock ? 30_000 : 180_000);
}

/** Default reasons shown when a switch is off and the harness gives none. */
const DEFAULT_REASONS: Record<keyof FeatureSwitches, string> = {
  ordering: 'the adapter has no ordered delivery',
  dedup: 'the adapter has no broker-side deduplication',
  dedupWindowObservable: 'the dedup window is too long to wait for in test time',
  delay: 'the adapter has no delayed delivery',
  nativeDeadLetterReason: 'the adapter dead-letters by copy',
  brokerDeadLetter: 'the backend does not dead-letter unsettled messages by itself',
  serverFilters: 'the backend does not apply subscription filters',
  leaseExpiry: 'lease expiry cannot be observed in test time',
  deliveryCount: 'the backend does not report delivery counts',
  numberAttributes: 'numbers come back as text',
  binaryAttributes: 'binary attributes are not supported',
};

/**
 * Why `feature` is off on `h` (the harness's words, or a default).
 *
 * @example
 * ```ts
 * reasonOff(h, 'serverFilters'); // 'the Pub/Sub emulator ignores subscription filters'
 * ```
 */
export function reasonOff(h: ConformanceHarness, feature: keyof FeatureSwitches): string {
  return h.switchedOff?.[feature] ?? DEFAULT_REASONS[feature];
}

/**
 * Makes a {@link ConformanceHarness.uniqueName} function: `<prefix>-<run>-<n>`, at most 30 characters, legal on
 * every provider (a letter first, then letters, digits and `-`). `run` distinguishes runs against a long-lived
 * emulator; it defaults to a random base-36 stamp.
 *
 * @example
 * ```ts
 * const uniqueName = uniqueNames();
 * uniqueName('orders'); // 'orders-k3j9x-1'
 * ```
 */
export function uniqueNames(run: string = randomStamp()): (prefix: string) => string {
  let n = 0;
  const safeRun = run.replace(/[^A-Za-z0-9]/g, '').slice(0, 8) || 'r';
  return (prefix: string) => {
    n++;
    const tail = `-${safeRun}-${n.toString(36)}`;
    let head = prefix.replace(/[^A-Za-z0-9-]/g, '-');
    if (!/^[A-Za-z]/.test(head)) head = `q${head}`;
    head = head.slice(0, Math.max(1, 30 - tail.length));
    return `${head}${tail}`;
  };
}

function randomStamp(): string {
  return (Date.now() % 1_000_000_000).toString(36) + Math.floor(Math.random() * 1296).toString(36);
}
