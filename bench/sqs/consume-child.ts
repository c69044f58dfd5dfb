/**
 * The body of a consume child process, one run of one contender (each contender has its own entry in `entries/`,
 * so one that does not build cannot keep the others from running): starts the contender, reports progress every
 * 20 ms (the parent's producer keeps the queue at most 50 deep with it), and measures wall and CPU time from the
 * end of warm-up to the last measured message.
 *
 * @example
 * ```ts
 * await consumeChild(startRaw); // in bench/sqs/entries/consume-raw.ts
 * ```
 * @module
 */
import { childMain, cpuMicros, progress, readyAndWait } from '../lib/protocol.js';
import { type RunningConsumer, sqsCalls, totalSqsCalls } from './contenders/contender.js';
import type { ConsumeChildConfig, ConsumeChildResult } from './types.js';

/** Starts a contender; `handled` is called once per message after the shared handler work. */
export type StartConsumer = (config: ConsumeChildConfig, handled: () => void) => Promise<RunningConsumer>;

/**
 * Runs the child: reads the configuration, runs the contender, reports the result and exits.
 *
 * @example
 * ```ts
 * await consumeChild(startRaw);
 * ```
 */
export async function consumeChild(start: StartConsumer): Promise<void> {
  await childMain<ConsumeChildConfig, ConsumeChildResult>(async (config) => {
    const total = config.warmup + config.measured;
    let handled = 0;
    let t0 = 0;
    let c0 = 0;
    let t1 = 0;
    let c1 = 0;
    let calls0 = 0;
    let calls1 = 0;
    let byCommand0 = new Map<string, number>();
    let byCommand1 = new Map<string, number>();
    let finish: () => void = () => undefined;
    const done = new Promise<void>((resolve) => {
      finish = resolve;
    });
    const onHandled = () => {
      handled++;
      if (handled === config.warmup) {
        t0 = performance.now();
        c0 = cpuMicros();
        calls0 = totalSqsCalls();
        byCommand0 = new Map(sqsCalls);
      } else if (handled === total) {
        t1 = performance.now();
        c1 = cpuMicros();
        calls1 = totalSqsCalls();
        byCommand1 = new Map(sqsCalls);
        finish();
      }
    };
    const running = await start(config, onHandled);
    const timer = setInterval(() => progress(handled), 20);
    await readyAndWait();
    await done;
    clearInterval(timer);
    progress(handled);
    await Promise.race([running.stop(), new Promise((r) => setTimeout(r, 3000))]);
    const byCommand: Record<string, number> = {};
    for (const [name, n] of byCommand1) {
      const d = n - (byCommand0.get(name) ?? 0);
      if (d > 0) byCommand[name] = d;
    }
    return {
      wallMs: t1 - t0,
      cpuMicros: c1 - c0,
      measured: config.measured,
      calls: calls1 - calls0,
      callsByCommand: byCommand,
    };
  });
}
