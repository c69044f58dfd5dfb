/**
 * `npm run bench`: runs every benchmark section, each contender in its own process, and rewrites
 * `bench/RESULTS.md` and `bench/results/latest.json` from this run (see RESULTS.md's "How to run").
 *
 * @example
 * ```sh
 * npm run bench                       # everything, rewrites RESULTS.md
 * npm run bench -- --only sqs --quick # a smoke run of one section → bench/results/partial.md
 * ```
 * @module
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runColdStartSection } from './coldstart/section.js';
import { overrides, ROOT } from './lib/build.js';
import { machineInfo } from './lib/machine.js';
import { absenceReason } from './lib/presence.js';
import { guarded, type SectionOutcome } from './lib/section.js';
import { type BenchService, startBenchServices } from './lib/services.js';
import { DEFAULT_MEMORY_PLAN, runMemorySection } from './memory/section.js';
import { runPubSubSection } from './pubsub/section.js';
import type { RunRecord } from './report/record.js';
import { renderResults } from './report/render.js';
import { runServiceBusSection } from './servicebus/section.js';
import { runSqsSection } from './sqs/section.js';

const SECTIONS = ['memory', 'sqs', 'pubsub', 'servicebus', 'coldstart'] as const;
type SectionId = (typeof SECTIONS)[number];

const USAGE = `usage: npm run bench [-- --only LIST] [--quick]
  --only LIST  comma list of ${SECTIONS.join(', ')} (default: all; writes bench/results/partial.*)
  --quick      fewer rounds and messages: a smoke run (writes bench/results/partial.*)`;

function parseArgs(argv: readonly string[]): { only: Set<SectionId>; quick: boolean; partial: boolean } {
  let only: Set<SectionId> | undefined;
  let quick = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--quick') quick = true;
    else if (arg === '--only' || arg.startsWith('--only=')) {
      const list = arg === '--only' ? argv[++i] : arg.slice('--only='.length);
      only = new Set();
      for (const word of (list ?? '').split(',').map((w) => w.trim())) {
        if (!(SECTIONS as readonly string[]).includes(word)) {
          console.error(`bench: unknown section "${word}"\n${USAGE}`);
          process.exit(2);
        }
        only.add(word as SectionId);
      }
    } else if (arg === '-h' || arg === '--help') {
      console.log(USAGE);
      process.exit(0);
    } else {
      console.error(`bench: unknown argument ${arg}\n${USAGE}`);
      process.exit(2);
    }
  }
  return { only: only ?? new Set(SECTIONS), quick, partial: quick || only !== undefined };
}

function log(line: string): void {
  const t = new Date().toISOString().slice(11, 19);
  console.log(`[bench ${t}] ${line}`);
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const started = performance.now();
  const startedAt = new Date().toISOString();
  const machine = machineInfo();
  log(
    `${machine.cores} cores, Node ${machine.node}, load ${machine.load.toFixed(1)}; sections: ${[...args.only].join(', ')}${args.quick ? ' (quick)' : ''}`,
  );

  const wanted: BenchService[] = [];
  if (args.only.has('sqs') || args.only.has('coldstart')) wanted.push('aws');
  if (args.only.has('pubsub')) wanted.push('pubsub');
  if (args.only.has('servicebus')) wanted.push('servicebus');
  const services = await startBenchServices(
    wanted,
    absenceReason(['twin/servicebus/index.ts']) === undefined,
  );
  for (const line of services.lines) log(`service ${line}`);
  const missingServices = services.lines.filter((l) => l.includes('missing'));
  if (missingServices.length > 0) {
    log(
      'some services could not start; their sections say "not measured" (run `npm run emulators` and export its variables to use running instances)',
    );
  }

  const rounds = args.quick ? 1 : 3;
  const sections: SectionOutcome[] = [];
  const stopping = async () => {
    await services.stop().catch(() => undefined);
  };
  process.on('SIGINT', () => void stopping().then(() => process.exit(130)));
  try {
    if (args.only.has('memory')) {
      const plan = args.quick
        ? [
            { size: 10_000, rounds: 1 },
            { size: 100_000, rounds: 1, variants: true },
          ]
        : DEFAULT_MEMORY_PLAN;
      sections.push(await guarded('memory', '1. Memory pipeline', () => runMemorySection({ plan, log })));
    }
    if (args.only.has('sqs')) {
      sections.push(
        await guarded('sqs', '2. SQS on moto', () =>
          runSqsSection({
            aws: services.aws,
            rounds,
            concurrencies: [1, 4],
            log,
            ...(args.quick ? {} : { minRounds: 2, consumeBudgetMs: 180_000, sendBudgetMs: 60_000 }),
          }),
        ),
      );
    }
    if (args.only.has('pubsub')) {
      sections.push(
        await guarded('pubsub', '3a. Pub/Sub on the emulator', () =>
          runPubSubSection({ pubsub: services.pubsub, rounds: args.quick ? 1 : 5, log }),
        ),
      );
    }
    if (args.only.has('servicebus')) {
      sections.push(
        await guarded('servicebus', '3b. Service Bus on the twin', () =>
          runServiceBusSection({ servicebus: services.servicebus, rounds: args.quick ? 1 : 5, log }),
        ),
      );
    }
    if (args.only.has('coldstart')) {
      sections.push(
        await guarded('coldstart', '4. Cold start', () =>
          runColdStartSection({ samples: args.quick ? 5 : 15, aws: services.aws, log }),
        ),
      );
    }
  } finally {
    await stopping();
  }

  const record: RunRecord = {
    startedAt,
    elapsedMs: performance.now() - started,
    machine,
    loadAtEnd: machineInfo().load,
    command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
    services: services.lines,
    sections,
    overrides: [...overrides()].map(([from, to]) => `${from}=${to}`),
  };
  const resultsDir = join(ROOT, 'bench', 'results');
  mkdirSync(resultsDir, { recursive: true });
  const markdown = renderResults(record);
  const partial = args.partial || record.overrides.length > 0;
  const mdFile = partial ? join(resultsDir, 'partial.md') : join(ROOT, 'bench', 'RESULTS.md');
  const jsonFile = join(resultsDir, partial ? 'partial.json' : 'latest.json');
  writeFileSync(mdFile, markdown);
  writeFileSync(jsonFile, `${JSON.stringify(record, null, 2)}\n`);
  for (const s of sections)
    log(`${s.title}: ${s.status}${s.missing.length > 0 ? ` (${s.missing.length} not measured)` : ''}`);
  for (const t of sections.flatMap((s) => s.targets))
    log(`target ${t.met ? 'met   ' : 'MISSED'} ${t.goal}: ${t.measured}`);
  log(
    `wrote ${mdFile.replace(`${ROOT}/`, '')} and ${jsonFile.replace(`${ROOT}/`, '')} in ${((performance.now() - started) / 1000).toFixed(0)} s`,
  );
}

await main();
