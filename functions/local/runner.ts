/**
 * Runs a Lambda SQS handler locally, the way Lambda's event source mapping does: poll the queue, gather a batch
 * (up to `batchSize` records, waiting up to `batchWindowSeconds` to fill it; FIFO batches at most 10), invoke the
 * handler with an SQS event and a context whose `getRemainingTimeInMillis()` counts down from `timeoutSeconds`, then
 * delete the records the answer does not report as failed:
 * - answer `{ batchItemFailures }` (with `reportBatchItemFailures`, the default): the listed records stay; an entry
 *   that names no record of the batch fails the whole batch, as on Lambda;
 * - any other answer: the whole batch succeeded;
 * - the handler throws, or runs past the timeout: nothing is deleted; the records return when their visibility
 *   timeout ends (a timed-out handler's work goes on; it cannot be stopped).
 * Batches run one at a time. Visibility changes the handler makes go through the runner's source (the context
 * carries a local settler), so a handler built for AWS runs unchanged against moto, LocalStack or the memory twin.
 *
 * @example
 * ```ts
 * import { runSqsLocally } from 'omnibus/functions/local';
 * import { handler } from './billing-function.js';
 *
 * const runner = runSqsLocally({ handler, source: { queueUrl: 'http://127.0.0.1:4566/000000000000/billing' } });
 * process.on('SIGINT', () => void runner.stop());
 * ```
 * @module
 */
import { sleep, systemClock } from '../../core/clock.js';
import { ConfigurationError } from '../../core/errors.js';
import { type Logger, silentLogger } from '../../core/logger.js';
import type { SqsEvent, SqsRecord } from '../aws-lambda/events.js';
import { type LocalLambdaContext, localLambdaContext } from './context.js';
import {
  type DriverSourceOptions,
  driverRecordSource,
  type RecordSource,
  type SqsSourceOptions,
  sqsRecordSource,
} from './sources.js';

/** A Lambda SQS handler as deployed: returns (or resolves to) a partial batch response, or nothing. */
export type LocalSqsHandler = (event: SqsEvent, context: LocalLambdaContext) => unknown;

/** Options of {@link runSqsLocally}. */
export interface LocalRunnerOptions {
  /** The handler, exactly as exported for Lambda. */
  readonly handler: LocalSqsHandler;
  /** A real SQS queue (moto, LocalStack, AWS) or a driver's queue (the memory twin). */
  readonly source: SqsSourceOptions | DriverSourceOptions;
  /** Most records per batch: 1–10000 (FIFO 1–10); default 10, Lambda's. */
  readonly batchSize?: number;
  /** Longest wait to fill a batch, 0–300 s (Lambda's MaximumBatchingWindowInSeconds); default 0. */
  readonly batchWindowSeconds?: number;
  /** The function timeout, 1–900 s; default 30. */
  readonly timeoutSeconds?: number;
  /** As the event source mapping's `ReportBatchItemFailures`; default true. */
  readonly reportBatchItemFailures?: boolean;
  /** Function name in the context (default `local-function`). */
  readonly functionName?: string;
  /** Longest wait of one poll when the queue is empty, 0–20 s; default 1. */
  readonly pollWaitSeconds?: number;
  /** Aborting it stops the runner, like {@link LocalRunner.stop}. */
  readonly signal?: AbortSignal;
  readonly logger?: Logger;
}

/** What one invocation did. */
export interface LocalInvocation {
  readonly records: readonly SqsRecord[];
  /** Records deleted (done). */
  readonly deleted: readonly string[];
  /** Records kept (reported as failed, or the whole batch when it failed). */
  readonly kept: readonly string[];
  /** `ok`, `partial`, `threw`, `timed-out` or `invalid-response`. */
  readonly result: 'ok' | 'partial' | 'threw' | 'timed-out' | 'invalid-response';
  readonly error?: unknown;
}

/** A running local runner. */
export interface LocalRunner {
  /** Stops polling and waits for the invocation in flight. */
  stop(): Promise<void>;
  /** Resolves when the runner has stopped. */
  readonly stopped: Promise<void>;
  /** Invocations so far. */
  readonly invocations: readonly LocalInvocation[];
  /** Resolves with the next invocation's report (for tests and scripts). */
  nextInvocation(): Promise<LocalInvocation>;
}

function whole(field: string, value: number | undefined, min: number, max: number): void {
  if (value !== undefined && (!Number.isInteger(value) || value < min || value > max)) {
    throw new ConfigurationError(field, `must be a whole number ${min}–${max}, got ${String(value)}`);
  }
}

function isDriverSource(source: LocalRunnerOptions['source']): source is DriverSourceOptions {
  return typeof (source as DriverSourceOptions).driver === 'object';
}

/**
 * What the answer of a handler means for a batch: the message ids to keep, or `invalid` when an entry names no
 * record of the batch (Lambda then fails the whole batch).
 *
 * @example
 * ```ts
 * failedIds({ batchItemFailures: [{ itemIdentifier: 'm-2' }] }, records); // Set { 'm-2' }
 * ```
 */
export function failedIds(answer: unknown, records: readonly SqsRecord[]): Set<string> | 'invalid' {
  const failures = (answer as { batchItemFailures?: unknown } | null | undefined)?.batchItemFailures;
  if (failures === undefined || failures === null) return new Set();
  if (!Array.isArray(failures)) return 'invalid';
  const ids = new Set(records.map((r) => r.messageId));
  const out = new Set<string>();
  for (const failure of failures) {
    const id = (failure as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    if (typeof id !== 'string' || !ids.has(id)) return 'invalid';
    out.add(id);
  }
  return out;
}

/**
 * Starts a local runner; see the module notes.
 *
 * @example
 * ```ts
 * const runner = runSqsLocally({ handler, source: { driver: bus.driver, source: billing } });
 * await runner.nextInvocation();
 * await runner.stop();
 * ```
 */
export function runSqsLocally(options: LocalRunnerOptions): LocalRunner {
  if (typeof options.handler !== 'function') throw new ConfigurationError('handler', 'must be a function');
  whole('batchSize', options.batchSize, 1, 10_000);
  whole('batchWindowSeconds', options.batchWindowSeconds, 0, 300);
  whole('timeoutSeconds', options.timeoutSeconds, 1, 900);
  whole('pollWaitSeconds', options.pollWaitSeconds, 0, 20);
  const logger = options.logger ?? silentLogger;
  const source: RecordSource = isDriverSource(options.source)
    ? driverRecordSource(options.source, logger)
    : sqsRecordSource(options.source, logger);
  const timeoutMs = (options.timeoutSeconds ?? 30) * 1000;
  const windowMs = (options.batchWindowSeconds ?? 0) * 1000;
  const pollWait = options.pollWaitSeconds ?? 1;
  const reportFailures = options.reportBatchItemFailures ?? true;
  const abort = new AbortController();
  const invocations: LocalInvocation[] = [];
  const waiters: ((invocation: LocalInvocation) => void)[] = [];

  const gather = async (): Promise<SqsRecord[]> => {
    const fifo = await source.fifo();
    const size = Math.min(options.batchSize ?? 10, fifo ? 10 : 10_000);
    if (fifo && options.batchSize !== undefined && options.batchSize > 10) {
      logger.warn('local runner: FIFO batches hold at most 10 records', { batchSize: options.batchSize });
    }
    const batch = await source.receive(Math.min(10, size), pollWait, abort.signal);
    if (batch.length === 0) return batch;
    const until = Date.now() + windowMs;
    while (batch.length < size && Date.now() < until && !abort.signal.aborted) {
      const wait = Math.min(20, Math.max(0, Math.floor((until - Date.now()) / 1000)));
      const more = await source.receive(Math.min(10, size - batch.length), wait, abort.signal);
      batch.push(...more);
      if (more.length === 0 && wait === 0)
        await sleep(systemClock, Math.min(100, until - Date.now()), abort.signal);
    }
    return batch;
  };

  const invoke = async (records: SqsRecord[]): Promise<LocalInvocation> => {
    const context = localLambdaContext({
      ...(options.functionName === undefined ? {} : { functionName: options.functionName }),
      timeoutMs,
      region: records[0]?.awsRegion ?? 'us-east-1',
      settler: source.settler,
    });
    const event: SqsEvent = { Records: records };
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<'timed-out'>((resolve) => {
      timer = setTimeout(() => resolve('timed-out'), timeoutMs);
    });
    let answer: unknown;
    let result: LocalInvocation['result'];
    let error: unknown;
    try {
      const run = Promise.resolve().then(() => options.handler(event, context));
      const raced = await Promise.race([run.then((value) => ({ value })), timedOut]);
      if (raced === 'timed-out') {
        run.catch(() => undefined);
        result = 'timed-out';
      } else {
        answer = raced.value;
        result = 'ok';
      }
    } catch (e) {
      result = 'threw';
      error = e;
    } finally {
      clearTimeout(timer);
    }
    let keep: Set<string>;
    if (result === 'ok') {
      const failed = reportFailures ? failedIds(answer, records) : new Set<string>();
      if (failed === 'invalid') {
        result = 'invalid-response';
        keep = new Set(records.map((r) => r.messageId));
      } else {
        keep = failed;
        if (failed.size > 0) result = 'partial';
      }
    } else {
      keep = new Set(records.map((r) => r.messageId));
      logger.warn(
        `local runner: the invocation ${result === 'threw' ? 'threw' : 'timed out'}; the batch returns`,
        {
          records: records.length,
          ...(error === undefined
            ? {}
            : { error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) }),
        },
      );
    }
    const done = records.filter((r) => !keep.has(r.messageId));
    await source.delete(done);
    source.forget(records);
    return {
      records,
      deleted: done.map((r) => r.messageId),
      kept: records.filter((r) => keep.has(r.messageId)).map((r) => r.messageId),
      result,
      ...(error === undefined ? {} : { error }),
    };
  };

  const loop = async (): Promise<void> => {
    let failures = 0;
    while (!abort.signal.aborted) {
      let batch: SqsRecord[];
      try {
        batch = await gather();
        failures = 0;
      } catch (error) {
        if (abort.signal.aborted) break;
        failures++;
        logger.warn('local runner: polling failed; retrying', { error: String(error) });
        await sleep(systemClock, Math.min(10_000, 200 * 2 ** Math.min(failures, 6)), abort.signal);
        continue;
      }
      if (batch.length === 0) continue;
      const invocation = await invoke(batch);
      invocations.push(invocation);
      for (const resolve of waiters.splice(0)) resolve(invocation);
    }
  };

  const stopped = loop().finally(() => source.close());
  options.signal?.addEventListener('abort', () => abort.abort(), { once: true });
  if (options.signal?.aborted) abort.abort();
  return {
    async stop() {
      abort.abort();
      await stopped;
    },
    stopped,
    invocations,
    nextInvocation: () => new Promise((resolve) => waiters.push(resolve)),
  };
}
