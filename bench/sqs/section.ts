/**
 * Section 2, SQS on moto: consume throughput and client CPU per message of five consumers at two concurrencies,
 * each run in its own child process on a fresh queue that a producer in this process keeps at most 50 deep; and
 * the send path (Omnibus auto-batching vs one SendMessage per message vs SendMessageBatch). Contenders run
 * interleaved, in rotating order, `rounds` times.
 *
 * @example
 * ```ts
 * const outcome = await runSqsSection({ aws: { endpoint, region }, rounds: 3, concurrencies: [1, 4], log });
 * ```
 * @module
 */
import { bundleEntry } from '../lib/build.js';
import { runChild, startChild } from '../lib/child.js';
import { int, rate, times, us, withRange } from '../lib/format.js';
import { interleave } from '../lib/interleave.js';
import { bullets, table } from '../lib/markdown.js';
import { absenceReason } from '../lib/presence.js';
import type { SectionOutcome, TargetCheck } from '../lib/section.js';
import { notMeasured } from '../lib/section.js';
import type { AwsEndpoint } from '../lib/services.js';
import { pairedRatio, type Summary, summarize } from '../lib/stats.js';
import { Producer } from './producer.js';
import { QueueAdmin } from './queues.js';
import {
  CONSUMERS,
  type ConsumeChildConfig,
  type ConsumeChildResult,
  type ConsumerName,
  SENDERS,
  type SendChildConfig,
  type SendChildResult,
  type SenderName,
} from './types.js';
import { BURST, MAX_DEPTH, MEASURED, WARMUP } from './workload.js';

const ID = 'sqs';
const TITLE = '2. SQS on moto';

/** Options of {@link runSqsSection}. */
export interface SqsSectionOptions {
  /** moto's address, or why it is not running. */
  readonly aws: AwsEndpoint | string;
  /** Most rounds. */
  readonly rounds: number;
  /** Rounds run whatever the budgets (default: all). */
  readonly minRounds?: number;
  /** Time budget of the consume rounds at each concurrency, ms (see `interleave`). */
  readonly consumeBudgetMs?: number;
  /** Time budget of the send-path rounds, ms. */
  readonly sendBudgetMs?: number;
  readonly concurrencies: readonly number[];
  readonly log: (line: string) => void;
}

const CONSUMER_ENTRY: Record<ConsumerName, string> = {
  omnibus: 'bench/sqs/entries/consume-omnibus.ts',
  raw: 'bench/sqs/entries/consume-raw.ts',
  'sqs-consumer': 'bench/sqs/entries/consume-sqs-consumer.ts',
  'sqs-consumer-batch': 'bench/sqs/entries/consume-sqs-consumer-batch.ts',
  toolkit: 'bench/sqs/entries/consume-toolkit.ts',
};

const CONSUMER_LABEL: Record<ConsumerName, string> = {
  omnibus: 'Omnibus `bus.consume`',
  raw: 'raw SDK loop (receive 10 → handle → DeleteMessageBatch)',
  'sqs-consumer': '`sqs-consumer` per message (`handleMessage`)',
  'sqs-consumer-batch': '`sqs-consumer` batch (`handleMessageBatch`)',
  toolkit: '`@message-queue-toolkit/sqs`',
};

const SENDER_ENTRY: Record<SenderName, string> = {
  omnibus: 'bench/sqs/entries/send-omnibus.ts',
  'one-by-one': 'bench/sqs/entries/send-raw.ts',
  batch: 'bench/sqs/entries/send-raw.ts',
};

const SENDER_LABEL: Record<SenderName, string> = {
  omnibus: 'Omnibus `bus.send` (auto-batched)',
  'one-by-one': 'one `SendMessage` per message',
  batch: '`SendMessageBatch` by hand',
};

/** Figures of one consumer at one concurrency. */
export interface ConsumeFigures {
  readonly contender: ConsumerName;
  readonly concurrency: number;
  readonly rate: Summary;
  readonly cpuUs: Summary;
  /** SQS calls per message (median of the rounds) and the commands behind them. */
  readonly callsPerMessage: number;
  readonly callsByCommand: Readonly<Record<string, number>>;
  /** Throughput ÷ the raw loop's, per round. */
  readonly rateVsRaw?: Summary;
  /** CPU per message ÷ the raw loop's, per round. */
  readonly cpuVsRaw?: Summary;
}

/** Figures of one send path. */
export interface SendFigures {
  readonly contender: SenderName;
  readonly rate: Summary;
  readonly cpuUs: Summary;
  readonly callsPerRun: number;
  /** Throughput ÷ one-by-one's, per round. */
  readonly vsOneByOne?: Summary;
}

type Failures = Map<string, string>;

async function consumeRun(
  admin: QueueAdmin,
  file: string,
  aws: AwsEndpoint,
  contender: ConsumerName,
  concurrency: number,
  round: number,
): Promise<ConsumeChildResult> {
  const name = `bench-${contender}-c${concurrency}-r${round}-${process.pid}-${Date.now() % 100_000}`;
  const queue = await admin.create(name);
  const producer = new Producer(admin.sqs, queue.url, WARMUP + MEASURED, MAX_DEPTH);
  const config: ConsumeChildConfig = {
    ...aws,
    contender,
    concurrency,
    queueUrl: queue.url,
    queueName: queue.name,
    warmup: WARMUP,
    measured: MEASURED,
  };
  try {
    const child = startChild<ConsumeChildResult>(file, config, {
      timeoutMs: 180_000,
      onMessage: (message, running) => {
        if (message.type === 'ready') {
          running.send({ type: 'go' });
          producer.start();
        } else if (message.type === 'progress') producer.update(message.handled);
      },
    });
    const failed = producer.done.then(
      () => new Promise<never>(() => undefined),
      (error: unknown) => {
        child.kill();
        throw error;
      },
    );
    const result = await Promise.race([child.result, failed]);
    if (producer.maxBacklog > MAX_DEPTH) throw new Error(`queue went ${producer.maxBacklog} deep`);
    return result;
  } finally {
    await admin.remove(queue);
  }
}

async function sendRun(
  admin: QueueAdmin,
  file: string,
  aws: AwsEndpoint,
  contender: SenderName,
  round: number,
): Promise<SendChildResult> {
  const count = Math.ceil(MEASURED / BURST);
  const base = `bench-send-${contender}-r${round}-${process.pid}-${Date.now() % 100_000}`;
  const names = Array.from({ length: count }, (_, k) => `${base}-${k}`);
  const queues = await Promise.all(names.map((n) => admin.createPlain(n)));
  try {
    const config: SendChildConfig = {
      ...aws,
      contender,
      queueNames: names,
      queueUrls: queues,
      burst: BURST,
    };
    return await runChild<SendChildResult>(file, config, { timeoutMs: 180_000 });
  } finally {
    await admin.removeUrls(queues);
  }
}

/**
 * Runs section 2.
 *
 * @example
 * ```ts
 * await runSqsSection({ aws, rounds: 3, concurrencies: [1, 4], log: console.log });
 * ```
 */
export async function runSqsSection(options: SqsSectionOptions): Promise<SectionOutcome> {
  if (typeof options.aws === 'string') return notMeasured(ID, TITLE, `moto is not running: ${options.aws}`);
  const aws = options.aws;
  const failures: Failures = new Map();
  const adapterMissing = absenceReason(['adapters/aws/index.ts']);
  const files = new Map<string, string>();
  for (const entry of new Set([...Object.values(CONSUMER_ENTRY), ...Object.values(SENDER_ENTRY)])) {
    if (adapterMissing && entry.includes('omnibus')) {
      failures.set(entry, adapterMissing);
      continue;
    }
    const built = await bundleEntry(entry);
    if (built.ok) files.set(entry, built.file);
    else failures.set(entry, built.reason);
  }
  const admin = new QueueAdmin(aws);
  try {
    const consume: ConsumeFigures[] = [];
    const roundsRun: number[] = [];
    const budget = (ms: number | undefined) => ({
      ...(options.minRounds !== undefined ? { minRounds: options.minRounds } : {}),
      ...(ms !== undefined ? { budgetMs: ms } : {}),
    });
    const consumers = CONSUMERS.filter((c) => files.has(CONSUMER_ENTRY[c]));
    for (const concurrency of options.concurrencies) {
      options.log(
        `sqs consume: concurrency ${concurrency}, ${consumers.join(', ')} × ${options.rounds} rounds`,
      );
      const results = await interleave(
        consumers,
        options.rounds,
        async (contender, round) => {
          const key = `${contender}@${concurrency}`;
          if (failures.has(key)) return undefined;
          try {
            return await consumeRun(
              admin,
              files.get(CONSUMER_ENTRY[contender]) as string,
              aws,
              contender,
              concurrency,
              round,
            );
          } catch (error) {
            failures.set(key, (error as Error).message);
            options.log(`sqs consume: ${key} failed: ${(error as Error).message.split('\n')[0]}`);
            return undefined;
          }
        },
        budget(options.consumeBudgetMs),
      );
      const ran = Math.max(0, ...[...results.values()].map((v) => v.length));
      roundsRun.push(ran);
      consume.push(...consumeFigures(results, concurrency, ran, failures));
    }
    const senders = SENDERS.filter((s) => files.has(SENDER_ENTRY[s]));
    options.log(`sqs send: ${senders.join(', ')} × ${options.rounds} rounds`);
    const sendResults = await interleave(
      senders,
      options.rounds,
      async (contender, round) => {
        if (failures.has(`send:${contender}`)) return undefined;
        try {
          return await sendRun(admin, files.get(SENDER_ENTRY[contender]) as string, aws, contender, round);
        } catch (error) {
          failures.set(`send:${contender}`, (error as Error).message);
          options.log(`sqs send: ${contender} failed: ${(error as Error).message.split('\n')[0]}`);
          return undefined;
        }
      },
      budget(options.sendBudgetMs),
    );
    roundsRun.push(Math.max(0, ...[...sendResults.values()].map((v) => v.length)));
    return render(consume, sendFigures(sendResults, failures), failures, options, roundsRun);
  } finally {
    admin.close();
  }
}

function complete<T>(values: readonly (T | undefined)[], rounds: number): T[] | undefined {
  const present = values.filter((v): v is T => v !== undefined);
  return present.length === rounds ? present : undefined;
}

function consumeFigures(
  results: Map<ConsumerName, (ConsumeChildResult | undefined)[]>,
  concurrency: number,
  rounds: number,
  failures: Failures,
): ConsumeFigures[] {
  const rateOf = (r: ConsumeChildResult) => r.measured / (r.wallMs / 1000);
  const cpuOf = (r: ConsumeChildResult) => r.cpuMicros / r.measured;
  const raw = complete(results.get('raw') ?? [], rounds);
  const out: ConsumeFigures[] = [];
  for (const [contender, values] of results) {
    const runs = complete(values, rounds);
    if (!runs) {
      if (!failures.has(`${contender}@${concurrency}`))
        failures.set(`${contender}@${concurrency}`, 'incomplete');
      continue;
    }
    out.push({
      contender,
      concurrency,
      rate: summarize(runs.map(rateOf)),
      cpuUs: summarize(runs.map(cpuOf)),
      callsPerMessage: summarize(runs.map((r) => r.calls / r.measured)).median,
      callsByCommand: runs[0]?.callsByCommand ?? {},
      ...(raw
        ? {
            rateVsRaw: pairedRatio(runs.map(rateOf), raw.map(rateOf)),
            cpuVsRaw: pairedRatio(runs.map(cpuOf), raw.map(cpuOf)),
          }
        : {}),
    });
  }
  return out;
}

function sendFigures(
  results: Map<SenderName, (SendChildResult | undefined)[]>,
  failures: Failures,
): SendFigures[] {
  const rateOf = (r: SendChildResult) => r.sent / (r.wallMs / 1000);
  const cpuOf = (r: SendChildResult) => r.cpuMicros / r.sent;
  const rounds = Math.max(...[...results.values()].map((v) => v.length), 0);
  const one = complete(results.get('one-by-one') ?? [], rounds);
  const out: SendFigures[] = [];
  for (const [contender, values] of results) {
    const runs = complete(values, rounds);
    if (!runs) {
      if (!failures.has(`send:${contender}`)) failures.set(`send:${contender}`, 'incomplete');
      continue;
    }
    out.push({
      contender,
      rate: summarize(runs.map(rateOf)),
      cpuUs: summarize(runs.map(cpuOf)),
      callsPerRun: summarize(runs.map((r) => r.calls)).median,
      ...(one ? { vsOneByOne: pairedRatio(runs.map(rateOf), one.map(rateOf)) } : {}),
    });
  }
  return out;
}

function render(
  consume: readonly ConsumeFigures[],
  send: readonly SendFigures[],
  failures: Failures,
  options: SqsSectionOptions,
  roundsRun: readonly number[],
): SectionOutcome {
  const targets: TargetCheck[] = [];
  const headlines: string[] = [];
  const consumeRows = consume.map((f) => [
    CONSUMER_LABEL[f.contender],
    String(f.concurrency),
    withRange(f.rate, rate),
    f.rateVsRaw ? withRange(f.rateVsRaw, times) : '—',
    withRange(f.cpuUs, us),
    f.cpuVsRaw ? withRange(f.cpuVsRaw, times) : '—',
    f.callsPerMessage.toFixed(2),
    Object.entries(f.callsByCommand)
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => `${k} ${int(v)}`)
      .join(', '),
  ]);
  for (const f of consume.filter((c) => c.contender === 'omnibus')) {
    if (f.rateVsRaw) {
      const met = f.rateVsRaw.median >= 0.95;
      targets.push({
        goal: `SQS consume ≥ 0.95× the raw loop (concurrency ${f.concurrency})`,
        measured: times(f.rateVsRaw.median),
        met,
        ...(met ? {} : { note: `missed by ${((0.95 - f.rateVsRaw.median) * 100).toFixed(0)} points` }),
      });
      headlines.push(
        `SQS consume at concurrency ${f.concurrency}: Omnibus ${rate(f.rate.median)} = ${times(f.rateVsRaw.median)} the raw loop`,
      );
    }
    if (f.cpuVsRaw) {
      const met = f.cpuVsRaw.median <= 1.2;
      targets.push({
        goal: `SQS client CPU per message ≤ 1.2× raw (concurrency ${f.concurrency})`,
        measured: `${times(f.cpuVsRaw.median)} (${us(f.cpuUs.median)}/msg)`,
        met,
        ...(met ? {} : { note: `over by ${((f.cpuVsRaw.median - 1.2) * 100).toFixed(0)} points` }),
      });
    }
  }
  const sendRows = send.map((f) => [
    SENDER_LABEL[f.contender],
    withRange(f.rate, rate),
    f.vsOneByOne ? withRange(f.vsOneByOne, times) : '—',
    withRange(f.cpuUs, us),
    int(f.callsPerRun),
  ]);
  const auto = send.find((s) => s.contender === 'omnibus');
  if (auto?.vsOneByOne) {
    const met = auto.vsOneByOne.median >= 3.5;
    targets.push({
      goal: 'auto-batched send ≥ 3.5× one-by-one',
      measured: times(auto.vsOneByOne.median),
      met,
      ...(met ? {} : { note: `missed by ${times(3.5 / auto.vsOneByOne.median)}` }),
    });
    headlines.push(`SQS send: Omnibus auto-batching ${times(auto.vsOneByOne.median)} one-by-one SendMessage`);
  }
  const missing = [...failures.entries()].map(([k, v]) => `${k}: ${v.split('\n')[0]}`);
  const markdown = [
    `Workload: ${int(WARMUP)} warm-up + ${int(MEASURED)} measured messages per run, a JSON order event validated by the same zod schema in every handler; a fresh queue (visibility 30 s, redrive to a DLQ after 5 receives) per run; a producer in the parent process sends batches of 10 so that at most ${MAX_DEPTH} messages wait (moto slows sharply on deep queues); long polls of 20 s everywhere. Each contender runs in its own process (bundled with esbuild, no TypeScript loader); rounds interleave the contenders in rotating order: ${options.concurrencies.map((c, i) => `${roundsRun[i] ?? 0} at concurrency ${c}`).join(', ')} and ${roundsRun[options.concurrencies.length] ?? 0} for the send path (up to ${options.rounds}, fewer when the time budget ran out). "Concurrency" is each library's own knob: Omnibus \`concurrency\`, the raw loop's number of parallel loops, \`sqs-consumer\` instances (each handles its batch of 10 in parallel), the toolkit's \`concurrentConsumersAmount\` (with \`batchSize: 10\`). Throughput is moto-bound: compare contenders, not absolute numbers. CPU is the consumer process's user + system time over the measured span.`,
    '',
    consumeRows.length > 0
      ? table(
          [
            'consumer',
            'concurrency',
            'messages/s',
            '÷ raw',
            'client CPU/msg',
            'CPU ÷ raw',
            'SQS calls/msg',
            'calls in round 1, by command',
          ],
          consumeRows,
        )
      : 'Not measured: no consumer could run.',
    '',
    `**Send path.** ${int(Math.ceil(MEASURED / BURST) * BURST)} messages per run, in bursts of ${BURST} issued at once (as ${BURST} concurrent callers would), each burst to a fresh queue so no queue is deeper than ${BURST}.`,
    '',
    sendRows.length > 0
      ? table(['send path', 'messages/s', '÷ one-by-one', 'client CPU/msg', 'SQS calls per run'], sendRows)
      : 'Not measured: no send path could run.',
    ...(missing.length > 0 ? ['', 'Not measured:', bullets(missing)] : []),
  ].join('\n');
  return {
    id: ID,
    title: TITLE,
    status:
      consume.length === 0 && send.length === 0
        ? 'not-measured'
        : missing.length > 0
          ? 'partial'
          : 'measured',
    missing,
    markdown,
    data: { consume, send, failures: Object.fromEntries(failures) },
    headlines,
    targets,
    elapsedMs: 0,
  };
}
