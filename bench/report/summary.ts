/**
 * The one-paragraph summary at the top of RESULTS.md (the README copies it): the headline figures of every
 * section that ran, and which targets this run met and missed.
 *
 * @example
 * ```ts
 * summaryParagraph(record); // '**Summary.** On a 2-core machine …'
 * ```
 * @module
 */

import type { EntryFigures } from '../coldstart/section.js';
import type { FlowFigures } from '../lib/flow-section.js';
import { int, ms, rate, times, us } from '../lib/format.js';
import type { MemorySizeFigures } from '../memory/section.js';
import type { ConsumeFigures, SendFigures } from '../sqs/section.js';
import type { RunRecord } from './record.js';

function measured<T>(record: RunRecord, id: string): T | undefined {
  const s = record.sections.find((x) => x.id === id);
  return s && s.status !== 'not-measured' ? (s.data as T) : undefined;
}

function notMeasuredIds(record: RunRecord): string[] {
  return record.sections.filter((s) => s.status === 'not-measured').map((s) => s.title.replace(/^\S+\s/, ''));
}

/**
 * Builds the paragraph.
 *
 * @example
 * ```ts
 * const text = summaryParagraph(record);
 * ```
 */
export function summaryParagraph(record: RunRecord): string {
  const parts: string[] = [];
  const memory = measured<{ sizes: MemorySizeFigures[] }>(record, 'memory');
  if (memory && memory.sizes.length > 0) {
    const mid = memory.sizes.find((s) => s.size === 100_000) ?? memory.sizes[0];
    const first = memory.sizes[0];
    const last = memory.sizes[memory.sizes.length - 1];
    if (mid && first && last) {
      parts.push(
        `in memory, the full stack (schema validation, retry, dead-lettering, idempotency) moves ${rate(mid.omnibusRate.median)} at ${int(mid.size)} messages, ${times(mid.ratio.median)} a hand-written loop doing the same work (${us(mid.omnibusCpuUs.median)} against ${us(mid.rawCpuUs.median)} of CPU per message), ${last.size > first.size ? `with CPU per message × ${(last.omnibusCpuUs.median / first.omnibusCpuUs.median).toFixed(2)} from ${int(first.size)} to ${int(last.size)} messages` : ''} and ${int(mid.bytesPerMessage.omnibus)} bytes per queued message`,
      );
    }
  }
  const sqs = measured<{ consume: ConsumeFigures[]; send: SendFigures[] }>(record, 'sqs');
  if (sqs) {
    const o = sqs.consume.filter((c) => c.contender === 'omnibus' && c.rateVsRaw);
    if (o.length > 0) {
      const list = (f: (c: ConsumeFigures) => string) => o.map(f).join(' / ');
      parts.push(
        `on SQS (moto) Omnibus consumes at ${list((c) => times(c.rateVsRaw?.median ?? 0))} the raw SDK loop's throughput at concurrency ${list((c) => String(c.concurrency))} (client CPU per message ${list((c) => times(c.cpuVsRaw?.median ?? 0))}, SQS calls per message ${list((c) => c.callsPerMessage.toFixed(2))} against the raw loop's ${list((c) => (sqs.consume.find((r) => r.contender === 'raw' && r.concurrency === c.concurrency)?.callsPerMessage ?? Number.NaN).toFixed(2))})`,
      );
    }
    const peers = sqs.consume.filter(
      (c) => c.contender !== 'omnibus' && c.contender !== 'raw' && c.rateVsRaw,
    );
    if (peers.length > 0) {
      const best = peers.reduce((b, c) => ((c.rateVsRaw?.median ?? 0) > (b.rateVsRaw?.median ?? 0) ? c : b));
      parts.push(
        `the best library alternative (${best.contender} at concurrency ${best.concurrency}) reached ${times(best.rateVsRaw?.median ?? 0)} raw`,
      );
    }
    const auto = sqs.send.find((s) => s.contender === 'omnibus');
    if (auto?.vsOneByOne)
      parts.push(`auto-batched sends run at ${times(auto.vsOneByOne.median)} one-by-one SendMessage`);
  }
  for (const [id, service] of [
    ['pubsub', 'Pub/Sub (emulator)'],
    ['servicebus', 'Service Bus (twin)'],
  ] as const) {
    const flow = measured<{ contenders: FlowFigures[] }>(record, id);
    const o = flow?.contenders.find((c) => c.contender === 'omnibus');
    if (o?.rateVsRaw) {
      parts.push(
        `${service} publish + consume runs at ${times(o.rateVsRaw.median)} the raw client (${rate(o.rate.median)}, CPU per message ${times(o.cpuVsRaw?.median ?? 0)})`,
      );
    }
  }
  const cold = measured<{ entries: EntryFigures[] }>(record, 'coldstart');
  const lambda = cold?.entries.find((e) => e.name === 'omnibus-aws-lambda');
  if (lambda) {
    const pt = cold?.entries.find((e) => e.name === 'powertools-aws-lambda');
    const floor = cold?.entries.find((e) => e.name === 'floor-aws-lambda');
    parts.push(
      `the Lambda SQS handler (DLQ + DynamoDB idempotency) bundles to ${int(lambda.bytes / 1024)} KiB with ${lambda.foreign.length === 0 ? 'no' : 'some'} Google or Azure code and imports in ${ms(lambda.importMs.median)}${pt ? ` (Powertools: ${ms(pt.importMs.median)}` : ''}${floor ? `${pt ? ', ' : ' ('}bare SDK client: ${ms(floor.importMs.median)})` : pt ? ')' : ''}, because it loads the SDK on first use${lambda.firstEventMs && pt?.firstEventMs ? `; import plus a first event takes ${ms(lambda.firstEventMs.median)} against Powertools' ${ms(pt.firstEventMs.median)}` : ''}`,
    );
  }
  const targets = record.sections.flatMap((s) => s.targets);
  const met = targets.filter((t) => t.met).length;
  const missed = targets.filter((t) => !t.met).map((t) => t.goal);
  const skipped = notMeasuredIds(record);
  const head = `**Summary.** On a shared ${record.machine.cores}-core machine (Node ${record.machine.node}, ${record.startedAt.slice(0, 10)}), `;
  const body = parts.length > 0 ? `${parts.join('; ')}.` : 'nothing could be measured.';
  const tail =
    targets.length > 0
      ? ` This run met ${met} of ${targets.length} targets${missed.length > 0 ? `; it missed ${missed.join('; ')} — Findings says by how much and why, and Proposed fixes what would close the gaps` : ''}.`
      : '';
  const gaps = skipped.length > 0 ? ` Not measured in this run: ${skipped.join(', ')}.` : '';
  return `${head}${body}${tail}${gaps}`;
}
