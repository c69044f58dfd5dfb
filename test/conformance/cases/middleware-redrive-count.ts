/**
 * The redrive loop guard end to end: a redriven message that fails again arrives on the dead-letter queue with its
 * redrive count, and once it reaches `maxRedrives` the next redrive refuses it.
 *
 * Needs the core change that carries the count through the consumer (`DeliveryMeta.redrives`, `r=` in
 * `omnibus_meta`, read into the envelope when the message is dead-lettered again); see the middleware report.
 *
 * @example
 * ```ts
 * registerRedriveCountCases(h); // inside describe('middleware:')
 * ```
 * @module
 */
import { expect } from 'vitest';
import { deadLetters, defineQueue, NonRetryableError } from '../../../core/index.js';
import type { ConformanceHarness } from '../harness.js';
import { testCase } from '../support/cases.js';
import { setup, type TestContext } from '../support/setup.js';
import { drive, eventually } from '../support/time.js';
import { readDeadLetters, typed, waitSecondsOf } from './middleware-support.js';

async function waitDeadLettered(ctx: TestContext, n: number): Promise<void> {
  await eventually(ctx.h, () =>
    expect(ctx.events.filter((e) => e.kind === 'deadLettered').length).toBeGreaterThanOrEqual(n),
  );
}

/**
 * Registers the end-to-end loop-guard case.
 *
 * @example
 * ```ts
 * registerRedriveCountCases(h);
 * ```
 */
export function registerRedriveCountCases(h: ConformanceHarness): void {
  testCase(h, 'redrive counts travel with the message; the loop guard stops it at maxRedrives', async () => {
    const q = defineQueue(h.uniqueName('loop'));
    const ctx = await setup(h, [q]);
    const ids: string[] = [];
    ctx.consume(
      q,
      typed(async (m) => {
        ids.push(m.id);
        throw new NonRetryableError('still broken');
      }),
    );
    const receipt = await ctx.bus.send(q, { n: 1 });
    await waitDeadLettered(ctx, 1);
    const dlq = deadLetters(ctx.bus, q, { clock: ctx.clock, maxRedrives: 2 });
    for (const round of [1, 2]) {
      const report = await drive(h, dlq.redrive({ waitSeconds: waitSecondsOf(ctx) }));
      expect(report).toMatchObject({ redriven: 1, skipped: 0 });
      await waitDeadLettered(ctx, round + 1);
      const [dl] = await readDeadLetters(ctx, dlq, 1);
      expect(dl?.redrives).toBe(round);
      expect(dl?.envelope).toMatchObject({ redrives: round, originalId: receipt.id, attempts: 1 });
      await dl?.release();
    }
    const refused = await drive(h, dlq.redrive({ waitSeconds: waitSecondsOf(ctx) }));
    expect(refused).toMatchObject({ redriven: 0, skipped: 1 });
    expect(refused.items.map((i) => i.outcome)).toEqual(['max-redrives']);
    expect(ids).toEqual([receipt.id, receipt.id, receipt.id]);
    const [left] = await readDeadLetters(ctx, dlq, 1);
    await left?.ack();
    await dlq.close();
  });
}
