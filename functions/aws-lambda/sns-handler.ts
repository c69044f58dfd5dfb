/**
 * The Lambda SNS trigger handler. SNS invokes Lambda asynchronously, one record per invocation, so failure is
 * answered by throwing:
 * - done (acked, dead-lettered with the envelope, filtered) → the invocation succeeds;
 * - released or settlement failed → the handler throws {@link RedeliveryRequested}; Lambda retries the invocation
 *   (`MaximumRetryAttempts`, 0–2, default 2, after about 1 and 2 minutes), then sends the event to the function's
 *   on-failure destination or dead-letter queue, the native safety net. Configure one: without it Lambda drops the
 *   event after the last retry. A release delay cannot be honoured (Lambda's retry schedule applies).
 *
 * The event carries no delivery count: attempts are counted per container (a retry that lands on another
 * container starts again at 1), so dead-lettering at `maxAttempts` with the envelope happens only when
 * `maxAttempts` ≤ Lambda's tries and the retries reach the same container; otherwise the on-failure destination
 * receives the event. Filters of the subscription declaration are checked again on receive.
 *
 * @example
 * ```ts
 * const placed = defineTopic('order-placed');
 * const audit = placed.subscription('audit');
 * export const handler = snsHandler(bus, audit, async (message) => record(message.body));
 * ```
 * @module
 */
import { fromWireBody } from '../../adapters/aws/wire.js';
import type { MessageBody, SubscriptionDeclaration } from '../../core/declarations.js';
import { pathOf } from '../../core/declarations.js';
import type { Delivery } from '../../core/driver.js';
import { ConfigurationError, ValidationError } from '../../core/errors.js';
import type { Handler } from '../../core/message.js';
import { specOf } from '../../core/plan.js';
import type { Outcome } from '../../core/processor.js';
import { runBatch } from '../shared/batch-runner.js';
import { withInvocationDeadline } from '../shared/bounded-store.js';
import { type BusOrDriver, busFor } from '../shared/bus-source.js';
import { checkWhole, commonSetup, type FunctionHandlerOptions, MAX_CONCURRENCY } from '../shared/options.js';
import { isSettled, RedeliveryRequested } from '../shared/outcome.js';
import type { LambdaContext, SnsEvent, SnsRecord } from './events.js';
import { snsAttributes, timeOf } from './records.js';
import { DEFAULT_TIMEOUT_MARGIN_MS, invocationEnd, recordsOf } from './sqs-handler.js';

/** Options of {@link snsHandler}. */
export interface SnsHandlerOptions extends FunctionHandlerOptions {
  /** Records processed at once when an event has several, 1–1000 (default 10). */
  readonly concurrency?: number;
  /** Give up this long before Lambda's timeout, in ms (default 1000), and throw so Lambda retries. */
  readonly timeoutMarginMs?: number;
}

/** A Lambda handler of SNS events. */
export type SnsLambdaHandler = (event: SnsEvent, context?: LambdaContext) => Promise<void>;

/**
 * What is wrong with an SNS record, or undefined when it has every field the handler needs.
 *
 * @example
 * ```ts
 * snsRecordProblem({ EventSource: 'aws:sqs' }); // 'EventSource must be "aws:sns", got "aws:sqs"'
 * ```
 */
export function snsRecordProblem(record: unknown): string | undefined {
  if (typeof record !== 'object' || record === null) return 'is not an object';
  const r = record as Partial<SnsRecord>;
  if (r.EventSource !== undefined && r.EventSource !== 'aws:sns') {
    return `EventSource must be "aws:sns", got ${JSON.stringify(r.EventSource)}`;
  }
  const sns = r.Sns as Partial<SnsRecord['Sns']> | undefined;
  if (typeof sns !== 'object' || sns === null) return 'Sns is missing';
  if (typeof sns.MessageId !== 'string' || sns.MessageId === '') return 'Sns.MessageId is missing';
  if (typeof sns.Message !== 'string') return 'Sns.Message is missing';
  if (
    sns.MessageAttributes !== undefined &&
    (typeof sns.MessageAttributes !== 'object' || sns.MessageAttributes === null)
  ) {
    return 'Sns.MessageAttributes is not an object';
  }
  return undefined;
}

/**
 * Creates the Lambda handler for an SNS trigger on a subscription declaration.
 *
 * @example
 * ```ts
 * export const handler = snsHandler(aws(), audit, async (m) => save(m.body));
 * ```
 */
export function snsHandler<D extends SubscriptionDeclaration<any, any>>(
  target: BusOrDriver,
  subscription: D,
  handler: Handler<MessageBody<D>>,
  options: SnsHandlerOptions = {},
): SnsLambdaHandler {
  if ((subscription as { kind?: unknown } | null)?.kind !== 'subscription') {
    throw new ConfigurationError(
      'subscription',
      'expected a subscription declaration (topic.subscription(name))',
    );
  }
  if (typeof handler !== 'function') throw new ConfigurationError('handler', 'must be a function');
  checkWhole('concurrency', options.concurrency, 1, MAX_CONCURRENCY);
  checkWhole('timeoutMarginMs', options.timeoutMarginMs, 0, 900_000);
  const bus = busFor(target, subscription);
  const { processorOptions, logger } = commonSetup(options);
  const processor = bus.processor(subscription, handler, processorOptions);
  const spec = specOf(subscription, bus.capabilities);
  const margin = options.timeoutMarginMs ?? DEFAULT_TIMEOUT_MARGIN_MS;
  const sourcePath = pathOf(subscription);

  const deliveryOf = (record: SnsRecord, state: { acked: boolean }): Delivery => {
    const sns = record.Sns;
    return {
      id: sns.MessageId,
      body: fromWireBody(sns.Message, spec.format),
      attributes: snsAttributes(sns.MessageAttributes),
      orderingKey: spec.ordered ? sns.MessageGroupId : undefined,
      deliveryCount: undefined,
      publishTime: timeOf(sns.Timestamp, new Date()),
      raw: record,
      ack: async () => {
        state.acked = true;
      },
      // Lambda's async retries redeliver: the outcome `released` makes the handler throw.
      release: async () => {},
      // The invocation's timeout is the lease; nothing to extend.
      extend: async () => {},
    };
  };

  return async (event, context) => {
    const records = recordsOf<SnsRecord>(event);
    records.forEach((record, i) => {
      const problem = snsRecordProblem(record);
      if (problem === undefined) return;
      logger.warn('malformed SNS record; the invocation fails so Lambda retries it', {
        source: sourcePath,
        problem,
      });
      throw new ValidationError(`event.Records[${i}]`, [{ message: problem }]);
    });
    const end = invocationEnd(context, Date.now());
    const outcomes = new Map<SnsRecord, Outcome>();
    const status = await runBatch(
      {
        groups: records.map((r) => [r]),
        concurrency: options.concurrency ?? 10,
        stopGroupOnFailure: false,
        deadline: end === undefined ? undefined : end - margin,
      },
      async (record) => {
        const state = { acked: false };
        const outcome = await withInvocationDeadline(end, () => processor.process(deliveryOf(record, state)));
        outcomes.set(record, outcome);
        return isSettled(outcome, state.acked);
      },
    );
    const failed = records.filter((r) => status.get(r) !== 'succeeded');
    if (failed.length > 0) {
      throw new RedeliveryRequested(
        sourcePath,
        failed.map((r) => r.Sns.MessageId),
        failed.map((r) => outcomes.get(r) ?? 'failed'),
      );
    }
  };
}
