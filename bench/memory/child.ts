/**
 * Child process of the memory-pipeline section, one per message count. It measures memory per queued message for
 * both contenders (all `size` messages queued at once), then runs them interleaved (raw, Omnibus, raw, …) in the
 * steady shape (sending while consuming, at most `WINDOW` queued), with a fresh queue and a forced garbage
 * collection before every run (run it with `--expose-gc`). Every run checks that each message was handled or
 * dead-lettered as the workload says; a wrong count fails the child rather than report a number.
 *
 * @example
 * ```sh
 * node --expose-gc node_modules/.cache/omnibus-bench/memory-child.mjs '{"size":10000,"rounds":3}'
 * ```
 * @module
 */

import { interleave } from '../lib/interleave.js';
import { childMain, cpuMicros } from '../lib/protocol.js';
import { OmnibusPipeline } from './omnibus-pipeline.js';
import { RawLoop } from './raw-loop.js';
import {
  type MemoryChildConfig,
  type MemoryChildResult,
  type MemoryContender,
  type MemoryRun,
  WINDOW,
} from './types.js';
import { poisonCount } from './workload.js';

type Contender = MemoryContender;

function collect(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc');
  gc();
  gc();
}

function heap(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
}

function check(contender: Contender, size: number, counts: { handled: number; deadLettered: number }): void {
  const poison = poisonCount(size);
  if (counts.deadLettered !== poison || counts.handled !== size - poison) {
    throw new Error(
      `${contender} at ${size}: handled ${counts.handled}, dead-lettered ${counts.deadLettered}; expected ${size - poison} and ${poison}`,
    );
  }
}

async function bytesPerMessage(contender: Contender, size: number): Promise<number> {
  collect();
  const before = heap();
  let keep: unknown;
  if (contender === 'raw') {
    const loop = new RawLoop();
    loop.enqueue(size);
    keep = loop;
  } else {
    const pipeline = await OmnibusPipeline.create();
    await pipeline.enqueue(size);
    keep = pipeline;
  }
  collect();
  const after = heap();
  if (keep instanceof OmnibusPipeline) await keep.close();
  keep = undefined;
  return (after - before) / size;
}

async function run(contender: Contender, size: number): Promise<MemoryRun> {
  collect();
  const cpu0 = cpuMicros();
  const t0 = performance.now();
  let counts: { handled: number; deadLettered: number };
  if (contender === 'raw') counts = await new RawLoop().stream(size, WINDOW);
  else {
    const pipeline = await OmnibusPipeline.create({
      idempotency: contender === 'omnibus',
      schema: contender !== 'omnibus-bare',
    });
    counts = await pipeline.stream(size, WINDOW);
    await pipeline.close();
  }
  const wallMs = performance.now() - t0;
  const cpuMs = (cpuMicros() - cpu0) / 1000;
  check(contender, size, counts);
  return { wallMs, cpuMs };
}

await childMain<MemoryChildConfig, MemoryChildResult>(
  async ({ size, rounds, variants, minRounds, budgetMs }) => {
    // Warm-up of both code paths (JIT), not recorded.
    const warm = Math.min(size, 20_000);
    await run('raw', warm);
    await run('omnibus', warm);
    const memory = {
      raw: await bytesPerMessage('raw', size),
      omnibus: await bytesPerMessage('omnibus', size),
    };
    const contenders: Contender[] = variants
      ? ['raw', 'omnibus', 'omnibus-no-idempotency', 'omnibus-bare']
      : ['raw', 'omnibus'];
    if (variants) {
      await run('omnibus-no-idempotency', warm);
      await run('omnibus-bare', warm);
    }
    const runs = await interleave<Contender, MemoryRun>(contenders, rounds, (c) => run(c, size), {
      ...(minRounds !== undefined ? { minRounds } : {}),
      ...(budgetMs !== undefined ? { budgetMs } : {}),
    });
    return { size, bytesPerMessage: memory, runs: Object.fromEntries(runs) };
  },
);
