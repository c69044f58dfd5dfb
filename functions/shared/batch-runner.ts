/**
 * Runs the items of one function invocation: groups run at the same time (up to `concurrency`), the items of one
 * group one after another in their order. With `stopGroupOnFailure` (FIFO), the first failure in a group stops that
 * group: its later items are `skipped`, never run, so their order holds. With a `deadline`, nothing new starts once it
 * passes and the run returns at the deadline: items still running are `timed-out` (their work goes on in the
 * background; the platform redelivers them), items never started are `not-started`.
 *
 * @example
 * ```ts
 * const status = await runBatch({ groups: [[a1, a2], [b1]], concurrency: 2, stopGroupOnFailure: true }, process);
 * status.get(a2); // 'skipped' when a1 failed
 * ```
 * @module
 */
import type { Clock } from '../../core/clock.js';
import { systemClock } from '../../core/clock.js';

/** How one item of a batch ended. */
export type ItemStatus = 'succeeded' | 'failed' | 'skipped' | 'not-started' | 'timed-out';

/** What {@link runBatch} runs. */
export interface BatchPlan<T> {
  /** Groups of items; items of a group run in order, one at a time. */
  readonly groups: readonly (readonly T[])[];
  /** Most groups running at once (at least 1). */
  readonly concurrency: number;
  /** Stop a group at its first failure and mark the rest `skipped` (FIFO order). */
  readonly stopGroupOnFailure: boolean;
  /** Epoch ms after which nothing starts and the run returns; undefined for none. */
  readonly deadline?: number | undefined;
  /** Time source for the deadline (default: the system clock). */
  readonly clock?: Clock;
}

/**
 * Runs `run` over the plan's items and reports each item's status. `run` returns true when the item is done; a
 * throw counts as a failure.
 *
 * @example
 * ```ts
 * const status = await runBatch({ groups: records.map((r) => [r]), concurrency: 10, stopGroupOnFailure: false },
 *   async (r) => (await processor.process(toDelivery(r))) === 'acked');
 * ```
 */
export async function runBatch<T>(
  plan: BatchPlan<T>,
  run: (item: T) => Promise<boolean>,
): Promise<Map<T, ItemStatus>> {
  const clock = plan.clock ?? systemClock;
  const status = new Map<T, ItemStatus | 'running'>();
  for (const group of plan.groups) for (const item of group) status.set(item, 'not-started');
  let stopped = false;
  const pending = [...plan.groups];

  const runGroup = async (group: readonly T[]): Promise<void> => {
    let failed = false;
    for (const item of group) {
      if (stopped || (plan.deadline !== undefined && clock.now() >= plan.deadline)) return;
      if (failed) {
        status.set(item, 'skipped');
        continue;
      }
      status.set(item, 'running');
      let ok: boolean;
      try {
        ok = await run(item);
      } catch {
        ok = false;
      }
      if (status.get(item) === 'running') status.set(item, ok ? 'succeeded' : 'failed');
      if (!ok && plan.stopGroupOnFailure) failed = true;
    }
  };

  const worker = async (): Promise<void> => {
    for (let group = pending.shift(); group !== undefined && !stopped; group = pending.shift()) {
      await runGroup(group);
    }
  };

  const workers = Array.from({ length: Math.max(1, Math.floor(plan.concurrency)) }, () => worker());
  const all = Promise.all(workers).then(() => 'done' as const);
  let timer: { cancel(): void } | undefined;
  const outcome =
    plan.deadline === undefined
      ? await all
      : await Promise.race([
          all,
          new Promise<'deadline'>((resolve) => {
            timer = clock.setTimer(() => resolve('deadline'), Math.max(0, plan.deadline! - clock.now()));
          }),
        ]);
  timer?.cancel();
  if (outcome === 'deadline') stopped = true;
  const result = new Map<T, ItemStatus>();
  for (const [item, s] of status) result.set(item, s === 'running' ? 'timed-out' : s);
  // Items that finish after the deadline must not change the answer already given.
  for (const [item, s] of result) status.set(item, s);
  return result;
}
