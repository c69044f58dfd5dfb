/**
 * Section 4, cold start: each function entry bundled as CDK's `NodejsFunction` would (see `bundle-function.ts`),
 * its size, and its median import time in fresh processes — against the floor (a handler importing only the bare
 * SDK client) and, on AWS, a Powertools batch + idempotency (DynamoDB) handler. Entries are probed interleaved,
 * in rotating order; the first probe of each entry is a discarded warm-up (file cache).
 *
 * @example
 * ```ts
 * const outcome = await runColdStartSection({ samples: 15, log: console.log });
 * ```
 * @module
 */
import { bundleEntry } from '../lib/build.js';
import { runChild } from '../lib/child.js';
import { bytes, ms, withRange } from '../lib/format.js';
import { interleave } from '../lib/interleave.js';
import { bullets, table } from '../lib/markdown.js';
import { absenceReason } from '../lib/presence.js';
import type { SectionOutcome, TargetCheck } from '../lib/section.js';
import { notMeasured } from '../lib/section.js';
import type { AwsEndpoint } from '../lib/services.js';
import { type Summary, summarize } from '../lib/stats.js';
import { type BundledFunction, bundleFunction, type Cloud } from './bundle-function.js';
import type { ProbeConfig, ProbeResult } from './import-probe.js';
import { createIdempotencyTables, probeEnvironment } from './tables.js';

const ID = 'coldstart';
const TITLE = '4. Cold start';

/** One function entry. */
interface EntrySpec {
  readonly name: string;
  readonly label: string;
  readonly cloud: Cloud;
  readonly role: 'omnibus' | 'floor' | 'powertools';
  readonly entry: string;
  /** Project files the entry needs. */
  readonly needs: readonly string[];
  /** Also time the first event (AWS entries, against moto). */
  readonly invoke?: 'sqs';
}

const ENTRIES: readonly EntrySpec[] = [
  {
    name: 'omnibus-aws-lambda',
    invoke: 'sqs',
    label: 'Omnibus `functions/aws-lambda` SQS handler (DLQ + idempotency on DynamoDB)',
    cloud: 'aws',
    role: 'omnibus',
    entry: 'bench/coldstart/entries/omnibus-aws-lambda.ts',
    needs: ['functions/aws-lambda/index.ts', 'adapters/aws/index.ts'],
  },
  {
    name: 'powertools-aws-lambda',
    invoke: 'sqs',
    label: 'Powertools batch + idempotency (DynamoDB)',
    cloud: 'aws',
    role: 'powertools',
    entry: 'bench/coldstart/entries/powertools-aws-lambda.ts',
    needs: [],
  },
  {
    name: 'floor-aws-lambda',
    invoke: 'sqs',
    label: 'floor: bare `SQSClient`',
    cloud: 'aws',
    role: 'floor',
    entry: 'bench/coldstart/entries/floor-aws-lambda.ts',
    needs: [],
  },
  {
    name: 'omnibus-gcp',
    label: 'Omnibus `functions/gcp` CloudEvent handler (DLQ + idempotency on Firestore)',
    cloud: 'gcp',
    role: 'omnibus',
    entry: 'bench/coldstart/entries/omnibus-gcp.ts',
    needs: ['functions/gcp/index.ts', 'adapters/gcp/index.ts'],
  },
  {
    name: 'floor-gcp',
    label: 'floor: bare `PubSub` client',
    cloud: 'gcp',
    role: 'floor',
    entry: 'bench/coldstart/entries/floor-gcp.ts',
    needs: [],
  },
  {
    name: 'omnibus-azure',
    label:
      'Omnibus `functions/azure` Service Bus handler (DLQ + idempotency on Azure Tables)',
    cloud: 'azure',
    role: 'omnibus',
    entry: 'bench/coldstart/entries/omnibus-azure.ts',
    needs: ['functions/azure/index.ts', 'adapters/azure/index.ts'],
  },
  {
    name: 'floor-azure',
    label: 'floor: bare `ServiceBusClient`',
    cloud: 'azure',
    role: 'floor',
    entry: 'bench/coldstart/entries/floor-azure.ts',
    needs: [],
  },
];

/** Options of {@link runColdStartSection}. */
export interface ColdStartOptions {
  /** Probes per entry (after one discarded warm-up). */
  readonly samples: number;
  /** moto, for the first-event probes of the AWS entries (or why it is not running). */
  readonly aws: AwsEndpoint | string;
  readonly log: (line: string) => void;
}

/** Figures of one entry. */
export interface EntryFigures {
  readonly name: string;
  readonly cloud: Cloud;
  readonly role: EntrySpec['role'];
  readonly bytes: number;
  readonly gzipBytes: number;
  readonly lazy: readonly string[];
  readonly eager: readonly string[];
  readonly foreign: readonly string[];
  readonly importMs: Summary;
  /** Import + one event, where measured. */
  readonly firstEventMs?: Summary;
}

/**
 * Runs section 4.
 *
 * @example
 * ```ts
 * await runColdStartSection({ samples: 15, log: console.log });
 * ```
 */
export async function runColdStartSection(options: ColdStartOptions): Promise<SectionOutcome> {
  const probe = await bundleEntry('bench/coldstart/import-probe.ts');
  if (!probe.ok) return notMeasured(ID, TITLE, probe.reason);
  const missing = new Map<string, string>();
  const bundled = new Map<string, BundledFunction>();
  for (const spec of ENTRIES) {
    const absent = absenceReason(spec.needs);
    if (absent) {
      missing.set(spec.name, absent);
      continue;
    }
    try {
      bundled.set(spec.name, await bundleFunction(spec.name, spec.entry, spec.cloud));
    } catch (error) {
      missing.set(spec.name, (error as Error).message);
    }
  }
  const names = [...bundled.keys()];
  let invokeNote: string | undefined;
  if (typeof options.aws === 'string')
    invokeNote = `first events not measured: moto is not running (${options.aws})`;
  else {
    try {
      await createIdempotencyTables(options.aws);
    } catch (error) {
      invokeNote = `first events not measured: creating the DynamoDB tables failed (${(error as Error).message})`;
    }
  }
  const aws = typeof options.aws === 'string' || invokeNote ? undefined : options.aws;
  options.log(`cold start: ${names.join(', ')} × ${options.samples} probes`);
  const probeOnce = (name: string) => {
    const b = bundled.get(name) as BundledFunction;
    const invoke = aws ? ENTRIES.find((e) => e.name === name)?.invoke : undefined;
    const config: ProbeConfig = { file: b.file, ...(invoke ? { invoke } : {}) };
    return runChild<ProbeResult>(probe.file, config, {
      timeoutMs: 60_000,
      ...(aws ? { env: probeEnvironment(aws) } : {}),
    });
  };
  const failed = new Map<string, string>();
  const safeProbe = async (name: string) => {
    if (failed.has(name)) return undefined;
    try {
      return await probeOnce(name);
    } catch (error) {
      failed.set(name, `import failed: ${(error as Error).message.split('\n')[0]}`);
      return undefined;
    }
  };
  for (const name of names) await safeProbe(name); // warm-up, discarded
  const results = await interleave(names, options.samples, (name) => safeProbe(name));
  const figures: EntryFigures[] = [];
  for (const spec of ENTRIES) {
    const b = bundled.get(spec.name);
    const runs = (results.get(spec.name) ?? []).filter((r): r is ProbeResult => r !== undefined);
    if (!b) continue;
    if (failed.has(spec.name) || runs.length === 0) {
      missing.set(spec.name, failed.get(spec.name) ?? 'no probe succeeded');
      continue;
    }
    figures.push({
      name: spec.name,
      cloud: spec.cloud,
      role: spec.role,
      bytes: b.bytes,
      gzipBytes: b.gzipBytes,
      lazy: b.lazy,
      eager: b.eager,
      foreign: b.foreign,
      importMs: summarize(runs.map((r) => r.importMs)),
      ...(runs.every((r) => r.firstEventMs !== undefined)
        ? { firstEventMs: summarize(runs.map((r) => r.firstEventMs as number)) }
        : {}),
    });
  }
  return render(figures, missing, options, invokeNote);
}

function render(
  figures: readonly EntryFigures[],
  missing: Map<string, string>,
  options: ColdStartOptions,
  invokeNote: string | undefined,
): SectionOutcome {
  const spec = (name: string) => ENTRIES.find((e) => e.name === name) as EntrySpec;
  const rows = figures.map((f) => [
    spec(f.name).label,
    f.cloud,
    bytes(f.bytes),
    bytes(f.gzipBytes),
    withRange(f.importMs, ms),
    f.firstEventMs ? withRange(f.firstEventMs, ms) : '—',
    f.eager.length > 0 ? f.eager.join(', ') : '—',
    f.lazy.length > 0 ? f.lazy.join(', ') : '—',
    f.foreign.length > 0 ? `**${f.foreign.join(', ')}**` : 'none',
  ]);
  const get = (name: string) => figures.find((f) => f.name === name);
  const omnibus = get('omnibus-aws-lambda');
  const powertools = get('powertools-aws-lambda');
  const floor = get('floor-aws-lambda');
  const targets: TargetCheck[] = [];
  const headlines: string[] = [];
  if (omnibus && powertools) {
    const met = omnibus.importMs.median <= powertools.importMs.median;
    targets.push({
      goal: 'Lambda SQS handler imports no slower than the Powertools equivalent',
      measured: `${ms(omnibus.importMs.median)} vs ${ms(powertools.importMs.median)}`,
      met,
      ...(met ? {} : { note: `slower by ${ms(omnibus.importMs.median - powertools.importMs.median)}` }),
    });
  }
  if (omnibus && floor) {
    const over = omnibus.importMs.median - floor.importMs.median;
    const met = over <= 10;
    targets.push({
      goal: 'Lambda SQS handler within 10 ms of the bare-SDK floor',
      measured: `${over >= 0 ? '+' : ''}${ms(over)} (${ms(omnibus.importMs.median)} vs ${ms(floor.importMs.median)})`,
      met,
      ...(met ? {} : { note: `over by ${ms(over - 10)}` }),
    });
    headlines.push(
      `Lambda cold import: Omnibus ${ms(omnibus.importMs.median)} (${bytes(omnibus.bytes)}) vs floor ${ms(floor.importMs.median)}${powertools ? ` and Powertools ${ms(powertools.importMs.median)} (${bytes(powertools.bytes)})` : ''}`,
    );
  }
  if (omnibus) {
    const clean = omnibus.foreign.length === 0;
    targets.push({
      goal: 'no Google or Azure code in the Lambda bundle',
      measured: clean ? 'none' : omnibus.foreign.join(', '),
      met: clean,
    });
  }
  const notes = [...missing.entries()].map(([name, reason]) => `${name}: ${reason}`);
  const markdown = [
    'Each entry is a complete function file (see `bench/coldstart/entries/`), bundled like CDK\'s `NodejsFunction` for an ESM Node 20 function: esbuild, minified ESM, `mainFields: module,main`, a `createRequire` banner, the cloud SDK left external (Lambda provides `@aws-sdk/*`; Google and Azure SDK packages deploy as `node_modules`). "import" is the time to import the bundle in a fresh Node process (module evaluation included: what a cold start pays before the first event). Omnibus loads cloud SDKs lazily (`import()` on first use), so its import excludes them; "import + first event" therefore also times one invocation with a one-record SQS event against moto — SDK loading and, for Omnibus and Powertools, the idempotency claim and completion on DynamoDB included (the floor does no I/O). ' +
      `Median (min–max) of ${options.samples} probes per entry, entries interleaved, after one discarded warm-up probe each.`,
    '',
    rows.length > 0
      ? table(
          [
            'function entry',
            'cloud',
            'bundle',
            'gzip',
            'import',
            'import + first event',
            'external, loaded at import',
            'external, loaded lazily',
            "other clouds' code",
          ],
          rows,
        )
      : 'Not measured: no entry could be bundled.',
    ...(invokeNote ? ['', `Note: ${invokeNote}.`] : []),
    ...(notes.length > 0 ? ['', 'Not measured:', bullets(notes)] : []),
  ].join('\n');
  return {
    id: ID,
    title: TITLE,
    status: figures.length === 0 ? 'not-measured' : notes.length > 0 ? 'partial' : 'measured',
    missing: notes,
    markdown,
    data: { entries: figures, missing: Object.fromEntries(missing) },
    headlines,
    targets,
    elapsedMs: 0,
  };
}
