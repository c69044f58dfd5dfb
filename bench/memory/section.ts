/**
 * Section 1, the memory pipeline: Omnibus's full stack on the memory adapter against a raw in-process loop doing
 * the same work, at 10 k, 100 k and 1 M messages (one child process per count, contenders interleaved inside it),
 * plus memory per queued message.
 *
 * @example
 * ```ts
 * const outcome = await runMemorySection({ sizes: [10_000, 100_000, 1_000_000], quick: false });
 * ```
 * @module
 */
import { bundleEntry } from '../lib/build.js';
import { runChild } from '../lib/child.js';
import { bytes, int, rate, times, us, withRange } from '../lib/format.js';
import { bullets, table } from '../lib/markdown.js';
import type { SectionOutcome, TargetCheck } from '../lib/section.js';
import { notMeasured } from '../lib/section.js';
import { pairedRatio, type Summary, summarize } from '../lib/stats.js';
import { CONCURRENCY, SEND_CHUNK } from './omnibus-pipeline.js';
import { type MemoryChildResult, WINDOW } from './types.js';
import { POISON_EVERY } from './workload.js';

const ID = 'memory';
const TITLE = '1. Memory pipeline';

/** Options of {@link runMemorySection}. */
export interface MemorySectionOptions {
  /** Message counts and rounds per count. */
  readonly plan: readonly MemoryPlanStep[];
  /** Progress lines. */
  readonly log: (line: string) => void;
}

/** One message count of the plan. */
export interface MemoryPlanStep {
  readonly size: number;
  /** Most rounds. */
  readonly rounds: number;
  /** Rounds run whatever the time budget (default: all). */
  readonly minRounds?: number;
  /** Time budget of the rounds, ms (see `interleave`). */
  readonly budgetMs?: number;
  /** Also run the partial stacks (where the time goes). */
  readonly variants?: boolean;
}

/**
 * The default plan: 5 rounds at 10 k and 100 k; at 1 M up to 3 rounds within a 2-minute budget (at least one), to
 * keep the whole command near ten minutes.
 */
export const DEFAULT_MEMORY_PLAN: readonly MemoryPlanStep[] = [
  { size: 10_000, rounds: 5 },
  { size: 100_000, rounds: 5, variants: true },
  { size: 1_000_000, rounds: 3, minRounds: 1, budgetMs: 120_000 },
];

/** Figures of one message count. */
export interface MemorySizeFigures {
  readonly size: number;
  readonly rounds: number;
  readonly omnibusRate: Summary;
  readonly rawRate: Summary;
  /** Omnibus ÷ raw throughput, per round. */
  readonly ratio: Summary;
  readonly omnibusCpuUs: Summary;
  readonly rawCpuUs: Summary;
  /** Omnibus ÷ raw throughput per CPU-second (less disturbed by other load on the machine), per round. */
  readonly cpuRatio: Summary;
  readonly bytesPerMessage: { readonly omnibus: number; readonly raw: number };
  /** CPU per message of the partial stacks, where run. */
  readonly variants?: {
    readonly noIdempotencyCpuUs: Summary;
    readonly bareCpuUs: Summary;
    readonly noIdempotencyRate: Summary;
    readonly bareRate: Summary;
  };
}

function figures(result: MemoryChildResult, rounds: number): MemorySizeFigures {
  const rateOf = (r: { wallMs: number }) => result.size / (r.wallMs / 1000);
  const cpuOf = (r: { cpuMs: number }) => (r.cpuMs * 1000) / result.size;
  const o = result.runs.omnibus ?? [];
  const w = result.runs.raw ?? [];
  const ni = result.runs['omnibus-no-idempotency'];
  const bare = result.runs['omnibus-bare'];
  return {
    size: result.size,
    rounds,
    omnibusRate: summarize(o.map(rateOf)),
    rawRate: summarize(w.map(rateOf)),
    ratio: pairedRatio(o.map(rateOf), w.map(rateOf)),
    omnibusCpuUs: summarize(o.map(cpuOf)),
    rawCpuUs: summarize(w.map(cpuOf)),
    cpuRatio: pairedRatio(w.map(cpuOf), o.map(cpuOf)),
    bytesPerMessage: result.bytesPerMessage,
    ...(ni && bare && ni.length > 0 && bare.length > 0
      ? {
          variants: {
            noIdempotencyCpuUs: summarize(ni.map(cpuOf)),
            bareCpuUs: summarize(bare.map(cpuOf)),
            noIdempotencyRate: summarize(ni.map(rateOf)),
            bareRate: summarize(bare.map(rateOf)),
          },
        }
      : {}),
  };
}

/**
 * Runs section 1.
 *
 * @example
 * ```ts
 * await runMemorySection({ plan: DEFAULT_MEMORY_PLAN, log: console.log });
 * ```
 */
export async function runMemorySection(options: MemorySectionOptions): Promise<SectionOutcome> {
  const built = await bundleEntry('bench/memory/child.ts');
  if (!built.ok) return notMeasured(ID, TITLE, built.reason);
  const sizes: MemorySizeFigures[] = [];
  for (const step of options.plan) {
    const { size, rounds, variants } = step;
    options.log(
      `memory: ${int(size)} messages × ${rounds} rounds${variants ? ' (with partial stacks)' : ''}`,
    );
    const result = await runChild<MemoryChildResult>(
      built.file,
      {
        size,
        rounds,
        variants: variants ?? false,
        ...(step.minRounds !== undefined ? { minRounds: step.minRounds } : {}),
        ...(step.budgetMs !== undefined ? { budgetMs: step.budgetMs } : {}),
      },
      { execArgv: ['--expose-gc', '--max-old-space-size=8192'], timeoutMs: 15 * 60_000 },
    );
    sizes.push(figures(result, (result.runs.omnibus ?? []).length));
  }
  return render(sizes);
}

function render(sizes: readonly MemorySizeFigures[]): SectionOutcome {
  const rows = sizes.map((s) => [
    `${int(s.size)} (${s.rounds} round${s.rounds === 1 ? '' : 's'})`,
    withRange(s.omnibusRate, rate),
    withRange(s.rawRate, rate),
    withRange(s.ratio, times),
    withRange(s.omnibusCpuUs, us),
    withRange(s.rawCpuUs, us),
    withRange(s.cpuRatio, times),
    bytes(s.bytesPerMessage.omnibus),
    bytes(s.bytesPerMessage.raw),
  ]);
  const first = sizes[0];
  const last = sizes[sizes.length - 1];
  const growth = first && last ? last.omnibusCpuUs.median / first.omnibusCpuUs.median : Number.NaN;
  const worst = sizes.reduce<MemorySizeFigures | undefined>(
    (w, s) => (w === undefined || s.ratio.median < w.ratio.median ? s : w),
    undefined,
  );
  const targets: TargetCheck[] = [];
  if (worst) {
    targets.push({
      goal: 'memory pipeline ≥ 0.5× the raw loop',
      measured: sizes.map((s) => `${times(s.ratio.median)} at ${int(s.size)}`).join(', '),
      met: worst.ratio.median >= 0.5,
      ...(worst.ratio.median >= 0.5
        ? {}
        : { note: `missed by ${times(0.5 / worst.ratio.median)} at ${int(worst.size)} (see the findings)` }),
    });
  }
  const breakdown = sizes.find((s) => s.variants);
  const breakdownBlock: string[] = [];
  if (breakdown?.variants) {
    const v = breakdown.variants;
    const full = breakdown.omnibusCpuUs.median;
    const raw = breakdown.rawCpuUs.median;
    const extra = full - raw;
    const share = (x: number) => (extra > 0 && x > 0 ? `${((x / extra) * 100).toFixed(0)}%` : '≈0');
    const part = (x: number) => (x > 0 ? us(x) : '≈0 (within noise)');
    const idem = full - v.noIdempotencyCpuUs.median;
    const schema = v.noIdempotencyCpuUs.median - v.bareCpuUs.median;
    const core = v.bareCpuUs.median - raw;
    breakdownBlock.push(
      '',
      `**Where the time goes** (${int(breakdown.size)} messages, same rounds): the stack with parts removed, CPU per message, and each part's share of Omnibus's extra CPU over the raw loop.`,
      '',
      table(
        ['stack', 'messages/s', 'CPU/msg', 'part', 'part CPU/msg', 'share of the extra'],
        [
          [
            'full (validation + retry + DLQ + idempotency)',
            withRange(breakdown.omnibusRate, rate),
            withRange(breakdown.omnibusCpuUs, us),
            'idempotency (in-process store, payload hash, claim timer)',
            part(idem),
            share(idem),
          ],
          [
            'without idempotency',
            withRange(v.noIdempotencyRate, rate),
            withRange(v.noIdempotencyCpuUs, us),
            'schema check (on send and on receive)',
            part(schema),
            share(schema),
          ],
          [
            'without idempotency or schema',
            withRange(v.bareRate, rate),
            withRange(v.bareCpuUs, us),
            'the bus itself (send path, broker, consumer, retry, decode, settle, lease timers)',
            part(core),
            share(core),
          ],
          ['raw loop', withRange(breakdown.rawRate, rate), withRange(breakdown.rawCpuUs, us), '', '', ''],
        ],
      ),
    );
  }
  const markdown = [
    `Each message goes through the whole stack: \`bus.sendBatch\` (${SEND_CHUNK} per call; schema check, encoding, limit checks, ids) → memory broker → consumer (concurrency ${CONCURRENCY}) → retry → validation (decode + schema) → idempotency (in-process store, default 100,000 records) → handler → ack; one message in ${int(POISON_EVERY)} is poison (its handler throws a non-retryable error) and is dead-lettered with its envelope. The raw loop does the same work by hand: an array of JSON strings \`{ id, body }\`, a sequential consumer that parses, skips seen ids (a bounded set), validates with the same schema, awaits the same handler and pushes failures to a dead-letter array. Both run in the steady shape (sending while consuming, at most ${int(WINDOW)} messages queued), interleaved in one child process per count, a fresh queue and a forced GC before every run.`,
    '',
    table(
      [
        'messages',
        'Omnibus',
        'raw loop',
        'Omnibus ÷ raw',
        'Omnibus CPU/msg',
        'raw CPU/msg',
        'ratio by CPU',
        'memory/queued msg (Omnibus)',
        'memory/queued msg (raw)',
      ],
      rows,
    ),
    '',
    bullets([
      'Throughput is wall-clock messages per second, median (min–max) of the rounds; "Omnibus ÷ raw" pairs each Omnibus round with the raw round next to it. "ratio by CPU" compares messages per CPU-second, which other load on a shared machine disturbs less.',
      'Memory per queued message: heap (+ external) growth with all N messages queued at once, after a forced GC, divided by N.',
      Number.isFinite(growth)
        ? `Cost per message from ${int(first?.size ?? 0)} to ${int(last?.size ?? 0)} messages: Omnibus CPU per message × ${growth.toFixed(2)}, raw loop × ${((last?.rawCpuUs.median ?? 0) / (first?.rawCpuUs.median ?? 1)).toFixed(2)}${growth > 1.25 ? ' (Omnibus not flat: see the findings below)' : ' (flat within noise)'}.`
        : 'Cost per message: not enough sizes measured.',
    ]),
    ...breakdownBlock,
  ].join('\n');
  return {
    id: ID,
    title: TITLE,
    status: 'measured',
    missing: [],
    markdown,
    data: { sizes },
    headlines: sizes.map(
      (s) =>
        `memory pipeline at ${int(s.size)}: Omnibus ${rate(s.omnibusRate.median)} vs raw ${rate(s.rawRate.median)} (${times(s.ratio.median)})`,
    ),
    targets,
    elapsedMs: 0,
  };
}
