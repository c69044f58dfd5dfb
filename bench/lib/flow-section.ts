/**
 * A publish + consume section (Pub/Sub on the emulator, Service Bus on the twin): Omnibus against the raw client
 * doing the same batching, each run in its own child process on fresh entities, interleaved in rotating order.
 *
 * @example
 * ```ts
 * await runFlowSection({ id: 'pubsub', title: '3a. Pub/Sub', entries, config: (name) => ({ … }), … });
 * ```
 * @module
 */
import { bundleEntry } from './build.js';
import { runChild } from './child.js';
import type { FlowConfig, FlowResult } from './flow-child.js';
import { int, rate, times, us, withRange } from './format.js';
import { interleave } from './interleave.js';
import { bullets, table } from './markdown.js';
import { absenceReason } from './presence.js';
import type { SectionOutcome, TargetCheck } from './section.js';
import { notMeasured } from './section.js';
import { pairedRatio, type Summary, summarize } from './stats.js';

/** The two contenders. */
export type FlowContender = 'omnibus' | 'raw';

/** Options of {@link runFlowSection}. */
export interface FlowSectionOptions {
  readonly id: string;
  readonly title: string;
  /** Short name of the service for headlines, e.g. `Pub/Sub`. */
  readonly service: string;
  /** Entry files per contender. */
  readonly entries: Readonly<Record<FlowContender, string>>;
  /** Labels per contender. */
  readonly labels: Readonly<Record<FlowContender, string>>;
  /** Project files Omnibus's entry needs (missing → Omnibus not measured). */
  readonly needs: readonly string[];
  /** Why the service is unavailable, if it is. */
  readonly unavailable?: string;
  /** Contender-specific configuration added to the common one. */
  readonly extra: Readonly<Record<string, unknown>>;
  readonly env?: Readonly<Record<string, string>>;
  readonly rounds: number;
  readonly warmup: number;
  readonly measured: number;
  readonly burst: number;
  readonly concurrency: number;
  /** Workload description for the report. */
  readonly description: string;
  readonly log: (line: string) => void;
}

/** Figures of one contender. */
export interface FlowFigures {
  readonly contender: FlowContender;
  readonly rate: Summary;
  readonly publishRate: Summary;
  readonly cpuUs: Summary;
  readonly rateVsRaw?: Summary;
  readonly cpuVsRaw?: Summary;
  /** Messages handled beyond those sent (redeliveries), all rounds. */
  readonly redelivered: number;
}

/**
 * Runs one publish + consume section.
 *
 * @example
 * ```ts
 * const outcome = await runFlowSection(options);
 * ```
 */
export async function runFlowSection(options: FlowSectionOptions): Promise<SectionOutcome> {
  if (options.unavailable) return notMeasured(options.id, options.title, options.unavailable);
  const files = new Map<FlowContender, string>();
  const missing = new Map<string, string>();
  for (const contender of ['raw', 'omnibus'] as const) {
    const absent = contender === 'omnibus' ? absenceReason(options.needs) : undefined;
    if (absent) {
      missing.set(contender, absent);
      continue;
    }
    const built = await bundleEntry(options.entries[contender]);
    if (built.ok) files.set(contender, built.file);
    else missing.set(contender, built.reason);
  }
  const contenders = [...files.keys()];
  options.log(`${options.id}: ${contenders.join(', ')} × ${options.rounds} rounds`);
  const results = await interleave(contenders, options.rounds, async (contender, round) => {
    if (missing.has(contender)) return undefined;
    const config: FlowConfig & Record<string, unknown> = {
      ...options.extra,
      name: `bench-${options.id}-${contender}-r${round}-${process.pid}-${Date.now() % 100_000}`,
      warmup: options.warmup,
      measured: options.measured,
      burst: options.burst,
      concurrency: options.concurrency,
    };
    try {
      return await runChild<FlowResult>(files.get(contender) as string, config, {
        timeoutMs: 180_000,
        ...(options.env ? { env: options.env } : {}),
      });
    } catch (error) {
      missing.set(contender, `the run failed: ${(error as Error).message}`);
      options.log(`${options.id}: ${contender} failed: ${(error as Error).message.split('\n')[0]}`);
      return undefined;
    }
  });
  const ran = Math.max(0, ...[...results.values()].map((v) => v.length));
  const rateOf = (r: FlowResult) => r.measured / (r.wallMs / 1000);
  const cpuOf = (r: FlowResult) => r.cpuMicros / r.measured;
  const full = (c: FlowContender) => {
    const runs = (results.get(c) ?? []).filter((r): r is FlowResult => r !== undefined);
    return runs.length === ran && runs.length > 0 ? runs : undefined;
  };
  const raw = full('raw');
  const figures: FlowFigures[] = [];
  for (const c of contenders) {
    const runs = full(c);
    if (!runs) continue;
    figures.push({
      contender: c,
      rate: summarize(runs.map(rateOf)),
      publishRate: summarize(runs.map((r) => r.measured / (r.publishMs / 1000))),
      cpuUs: summarize(runs.map(cpuOf)),
      redelivered: runs.reduce((n, r) => n + (r.handled - r.measured - options.warmup), 0),
      ...(raw
        ? {
            rateVsRaw: pairedRatio(runs.map(rateOf), raw.map(rateOf)),
            cpuVsRaw: pairedRatio(runs.map(cpuOf), raw.map(cpuOf)),
          }
        : {}),
    });
  }
  return render(figures, missing, options, ran);
}

function render(
  figures: readonly FlowFigures[],
  missing: Map<string, string>,
  options: FlowSectionOptions,
  ran: number,
): SectionOutcome {
  const targets: TargetCheck[] = [];
  const headlines: string[] = [];
  const omnibus = figures.find((f) => f.contender === 'omnibus');
  if (omnibus?.rateVsRaw) {
    const met = omnibus.rateVsRaw.median >= 0.95;
    targets.push({
      goal: `${options.service} ≥ 0.95× raw`,
      measured: `${times(omnibus.rateVsRaw.median)} throughput, CPU/msg ${omnibus.cpuVsRaw ? times(omnibus.cpuVsRaw.median) : '—'} raw`,
      met,
      ...(met ? {} : { note: `missed by ${((0.95 - omnibus.rateVsRaw.median) * 100).toFixed(0)} points` }),
    });
    headlines.push(
      `${options.service} publish + consume: Omnibus ${rate(omnibus.rate.median)} = ${times(omnibus.rateVsRaw.median)} raw`,
    );
  }
  const rows = figures.map((f) => [
    options.labels[f.contender],
    withRange(f.rate, rate),
    f.rateVsRaw ? withRange(f.rateVsRaw, times) : '—',
    withRange(f.publishRate, rate),
    withRange(f.cpuUs, us),
    f.cpuVsRaw ? withRange(f.cpuVsRaw, times) : '—',
    int(f.redelivered),
  ]);
  const notes = [...missing.entries()].map(([c, reason]) => `${c}: ${reason.split('\n')[0]}`);
  const markdown = [
    `${options.description} ${int(options.warmup)} warm-up + ${int(options.measured)} measured messages per run, published in bursts of ${options.burst} (as ${options.burst} concurrent callers would) while a consumer with concurrency ${options.concurrency} handles them (parse + the shared zod schema); fresh entities per run; each contender in its own process; ${ran} interleaved rounds. Throughput counts from the first measured publish to the last measured message handled; CPU is the client process's user + system time over that span (publishing and consuming).`,
    '',
    rows.length > 0
      ? table(
          [
            'contender',
            'messages/s (end to end)',
            '÷ raw',
            'publish messages/s',
            'client CPU/msg',
            'CPU ÷ raw',
            'redelivered',
          ],
          rows,
        )
      : 'Not measured: no contender could run.',
    ...(notes.length > 0 ? ['', 'Not measured:', bullets(notes)] : []),
  ].join('\n');
  return {
    id: options.id,
    title: options.title,
    status: figures.length === 0 ? 'not-measured' : notes.length > 0 ? 'partial' : 'measured',
    missing: notes,
    markdown,
    data: { contenders: figures, missing: Object.fromEntries(missing) },
    headlines,
    targets,
    elapsedMs: 0,
  };
}
