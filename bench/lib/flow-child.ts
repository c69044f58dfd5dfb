/**
 * The body of a publish + consume child (Pub/Sub and Service Bus sections): one contender sets up its entities
 * (untimed), starts its consumer, sends a warm-up, then publishes the measured messages in bursts (as `burst`
 * concurrent callers would) while consuming them, and reports wall and CPU time from the first measured publish to
 * the last measured message handled, plus the time the publishing alone took.
 *
 * @example
 * ```ts
 * await flowChild(async (config) => ({ publish, consume, close })); // in an entry file
 * ```
 * @module
 */
import { childMain, cpuMicros } from './protocol.js';

/** Configuration every flow child gets (plus the contender's own fields). */
export interface FlowConfig {
  readonly name: string;
  readonly warmup: number;
  readonly measured: number;
  readonly burst: number;
  readonly concurrency: number;
}

/** What a flow child reports. */
export interface FlowResult {
  /** First measured publish → last measured message handled, ms. */
  readonly wallMs: number;
  /** Time to publish the measured messages (while consuming), ms. */
  readonly publishMs: number;
  /** CPU time of the process over `wallMs`, µs. */
  readonly cpuMicros: number;
  readonly measured: number;
  /** Messages handled in all (more than sent means redeliveries). */
  readonly handled: number;
}

/** One contender's publish and consume paths. */
export interface Flow {
  /** Publishes messages `ids`, all at once. */
  publish(ids: readonly number[]): Promise<void>;
  /** Starts consuming; `handled` is called once per message after the shared handler work. */
  consume(handled: () => void): Promise<void>;
  close(): Promise<void>;
}

/**
 * Runs the child: builds the flow (which sets up its entities), measures, reports and exits.
 *
 * @example
 * ```ts
 * await flowChild<FlowConfig>(makeRawFlow);
 * ```
 */
export async function flowChild<C extends FlowConfig>(make: (config: C) => Promise<Flow>): Promise<void> {
  await childMain<C, FlowResult>(async (config) => {
    const flow = await make(config);
    let handled = 0;
    let target = Number.POSITIVE_INFINITY;
    let wake: () => void = () => undefined;
    const reached = (n: number) =>
      handled >= n
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            target = n;
            wake = resolve;
          });
    await flow.consume(() => {
      handled++;
      if (handled >= target) {
        target = Number.POSITIVE_INFINITY;
        wake();
      }
    });
    const publishRange = async (from: number, to: number) => {
      for (let start = from; start < to; start += config.burst) {
        const ids: number[] = [];
        for (let i = start; i < Math.min(to, start + config.burst); i++) ids.push(i);
        await flow.publish(ids);
      }
    };
    const total = config.warmup + config.measured;
    await publishRange(0, config.warmup);
    await reached(config.warmup);
    const t0 = performance.now();
    const c0 = cpuMicros();
    await publishRange(config.warmup, total);
    const published = performance.now();
    await reached(total);
    const wallMs = performance.now() - t0;
    const cpu = cpuMicros() - c0;
    await Promise.race([flow.close(), new Promise((r) => setTimeout(r, 5000))]);
    return {
      wallMs,
      publishMs: published - t0,
      cpuMicros: cpu,
      measured: config.measured,
      handled,
    };
  });
}
