/**
 * The Lambda SQS trigger handler: each record becomes a portable message and runs through the same pipeline and
 * settlement as `bus.consume` (retry with backoff, validation, idempotency, dead-lettering with the envelope), and
 * the answer is a partial batch response (`ReportBatchItemFailures`):
 * - done (acked, dead-lettered, filtered) → not listed: Lambda deletes the record;
 * - released → `ChangeMessageVisibility(backoff)`, then listed: the record returns after its backoff;
 * - settlement failed → listed; it returns when its visibility timeout ends.
 *
 * Standard queues run records concurrently (`concurrency`, default 10). FIFO queues (`.fifo`) run each message
 * group in order, groups concurrently: at a group's first failure the group stops, and that record and every later
 * record of the group are listed (the later ones made visible again at once; the group stays blocked behind the
 * failed one, so order holds). Before Lambda's timeout (`timeoutMarginMs` before `getRemainingTimeInMillis()` runs
 * out) the handler answers: records still running or not started are listed, finished ones are not. One poison
 * record never fails the batch: it is retried until its last attempt, then dead-lettered.
 *
 * @example
 * ```ts
 * import { createBus, defineQueue } from 'omnibus';
 * import { aws } from 'omnibus/aws';
 * import { sqsHandler } from 'omnibus/functions/aws-lambda';
 *
 * const billing = defineQueue('billing');
 * const bus = createBus({ adapter: aws(), declarations: [billing] });
 * export const handler = sqsHandler(bus, billing, async (message) => charge(message.body));
 * ```
 * @module
 */
import { fromWireBody } from '../../adapters/aws/wire.js';
import type { Consumable, MessageBody } from '../../core/declarations.js';
import { pathOf } from '../../core/declarations.js';
import type { Delivery } from '../../core/driver.js';
import { ConfigurationError, TransportError, ValidationError } from '../../core/errors.js';
import type { Handler } from '../../core/message.js';
import { specOf } from '../../core/plan.js';
import { runBatch } from '../shared/batch-runner.js';
import { withInvocationDeadline } from '../shared/bounded-store.js';
import { assertConsumable, type BusOrDriver, busFor } from '../shared/bus-source.js';
import { checkWhole, commonSetup, type FunctionHandlerOptions, MAX_CONCURRENCY } from '../shared/options.js';
import { isSettled, RedeliveryRequested } from '../shared/outcome.js';
import type { LambdaContext, SqsBatchResponse, SqsEvent, SqsRecord } from './events.js';
import { countOf, sqsRecordAttributes, sqsRecordProblem, timeOf } from './records.js';
import { RecordVisibility, type VisibilityOptions } from './visibility.js';

/** Options of {@link sqsHandler}. */
export interface SqsHandlerOptions extends FunctionHandlerOptions, VisibilityOptions {
  /** Records (standard queues) or message groups (FIFO) processed at once, 1–1000 (default 10). */
  readonly concurrency?: number;
  /**
   * Whether the event source mapping reports batch item failures (`FunctionResponseTypes: ['ReportBatchItemFailures']`,
   * default true). When false, a batch with any failed record throws, so Lambda retries the whole batch (records
   * that succeeded run again: use idempotency).
   */
  readonly reportBatchItemFailures?: boolean;
  /** Answer this long before Lambda's timeout, in ms (default 1000). */
  readonly timeoutMarginMs?: number;
}

/** A Lambda handler of SQS events. */
export type SqsLambdaHandler = (event: SqsEvent, context?: LambdaContext) => Promise<SqsBatchResponse>;

/** Default of {@link SqsHandlerOptions.concurrency}. */
export const DEFAULT_SQS_CONCURRENCY = 10;
/** Default of {@link SqsHandlerOptions.timeoutMarginMs}. */
export const DEFAULT_TIMEOUT_MARGIN_MS = 1000;

const FIFO_ARN = /\.fifo$/;

/**
 * The records of an SQS event; throws {@link ValidationError} (field `event.Records`) when it is not one.
 *
 * @example
 * ```ts
 * recordsOf({ Records: [] }); // []
 * ```
 */
export function recordsOf<R>(event: unknown): R[] {
  const records = (event as { Records?: unknown } | null | undefined)?.Records;
  if (!Array.isArray(records)) {
    throw new ValidationError('event.Records', [{ message: 'is missing: this is not an SQS or SNS event' }]);
  }
  return records as R[];
}

/**
 * The deadline of an invocation (epoch ms) from its context, or undefined without one.
 *
 * @example
 * ```ts
 * invocationEnd({ getRemainingTimeInMillis: () => 3000 }, 1000); // 1003000 at t=1000000
 * ```
 */
export function invocationEnd(context: LambdaContext | undefined, now: number): number | undefined {
  const remaining =
    typeof context?.getRemainingTimeInMillis === 'function' ? context.getRemainingTimeInMillis() : NaN;
  return Number.isFinite(remaining) ? now + Math.max(0, remaining) : undefined;
}

function isFifo(record: SqsRecord): boolean {
  return FIFO_ARN.test(record.eventSourceARN ?? '') || record.attributes?.MessageGroupId !== undefined;
}

/** Groups in record order: by message group on FIFO queues, one record each on standard queues. */
function groupsOf(records: readonly SqsRecord[], fifo: boolean): SqsRecord[][] {
  if (!fifo) return records.map((r) => [r]);
  const groups = new Map<string, SqsRecord[]>();
  const out: SqsRecord[][] = [];
  for (const record of records) {
    const id = record.attributes?.MessageGroupId;
    if (id === undefined) {
      out.push([record]);
      continue;
    }
    let group = groups.get(id);
    if (!group) {
      group = [];
      groups.set(id, group);
      out.push(group);
    }
    group.push(record);
  }
  return out;
}

/**
 * Creates the Lambda handler for an SQS trigger on `source` (a queue, or a subscription's queue).
 *
 * @example
 * ```ts
 * export const handler = sqsHandler(bus, billing, bill, { concurrency: 5, idempotency: { store } });
 * ```
 */
export function sqsHandler<D extends Consumable<any>>(
  target: BusOrDriver,
  source: D,
  handler: Handler<MessageBody<D>>,
  options: SqsHandlerOptions = {},
): SqsLambdaHandler {
  assertConsumable(source, 'source');
  if (typeof handler !== 'function') throw new ConfigurationError('handler', 'must be a function');
  checkWhole('concurrency', options.concurrency, 1, MAX_CONCURRENCY);
  checkWhole('timeoutMarginMs', options.timeoutMarginMs, 0, 900_000);
  const bus = busFor(target, source);
  const { processorOptions, logger } = commonSetup(options);
  const processor = bus.processor(source, handler, processorOptions);
  const spec = specOf(source as Consumable, bus.capabilities);
  const visibility = new RecordVisibility(options, logger);
  const concurrency = options.concurrency ?? DEFAULT_SQS_CONCURRENCY;
  const margin = options.timeoutMarginMs ?? DEFAULT_TIMEOUT_MARGIN_MS;
  const reportFailures = options.reportBatchItemFailures ?? true;
  const sourcePath = pathOf(source as Consumable);

  const deliveryOf = (
    record: SqsRecord,
    context: LambdaContext | undefined,
    state: { acked: boolean },
  ): Delivery => ({
    id: record.messageId,
    body: fromWireBody(record.body, spec.format),
    attributes: sqsRecordAttributes(record),
    orderingKey: spec.ordered ? record.attributes?.MessageGroupId : undefined,
    deliveryCount: countOf(record.attributes?.ApproximateReceiveCount),
    publishTime: timeOf(record.attributes?.SentTimestamp, new Date()),
    raw: record,
    // Lambda deletes every record the response does not list.
    ack: async () => {
      state.acked = true;
    },
    release: async (delaySeconds) => {
      await visibility.change(record, delaySeconds, context);
    },
    extend: async (leaseSeconds) => {
      if (!(await visibility.change(record, leaseSeconds, context))) {
        throw new TransportError('aws', `ChangeMessageVisibility failed for message ${record.messageId}`);
      }
    },
  });

  return async (event, context) => {
    const records = recordsOf<SqsRecord>(event);
    const problems = new Map<SqsRecord, string>();
    records.forEach((record, i) => {
      const problem = sqsRecordProblem(record);
      if (problem === undefined) return;
      if (typeof (record as Partial<SqsRecord> | null)?.messageId !== 'string' || record.messageId === '') {
        // Without a message id the record cannot be reported: only a whole-batch failure keeps it.
        throw new ValidationError(`event.Records[${i}]`, [{ message: problem }]);
      }
      problems.set(record, problem);
      logger.warn('malformed SQS record; reported as failed', {
        source: sourcePath,
        messageId: record.messageId,
        problem,
      });
    });
    const started = Date.now();
    const end = invocationEnd(context, started);
    const fifo = records.some(isFifo);
    const status = await runBatch(
      {
        groups: groupsOf(records, fifo),
        concurrency,
        stopGroupOnFailure: fifo,
        deadline: end === undefined ? undefined : end - margin,
      },
      async (record) => {
        if (problems.has(record)) return false;
        const state = { acked: false };
        const outcome = await withInvocationDeadline(end, () =>
          processor.process(deliveryOf(record, context, state)),
        );
        return isSettled(outcome, state.acked);
      },
    );
    const failed: SqsRecord[] = [];
    const handBack: SqsRecord[] = [];
    for (const record of records) {
      const s = status.get(record);
      if (s === 'succeeded') continue;
      failed.push(record);
      if (s === 'skipped' || s === 'not-started') handBack.push(record);
    }
    // Never-run records come back at once; a FIFO group stays blocked behind its failed (still invisible) record.
    await visibility.changeMany(handBack, 0, context);
    if (failed.length > 0) {
      logger.debug('SQS batch answered with failures', {
        source: sourcePath,
        records: records.length,
        failed: failed.length,
        timedOut: [...status.values()].filter((s) => s === 'timed-out').length,
      });
    }
    if (!reportFailures && failed.length > 0) {
      throw new RedeliveryRequested(
        sourcePath,
        failed.map((r) => r.messageId),
        failed.map(() => 'released'),
      );
    }
    const ids = [...new Set(failed.map((r) => r.messageId))];
    return { batchItemFailures: ids.map((itemIdentifier) => ({ itemIdentifier })) };
  };
}
