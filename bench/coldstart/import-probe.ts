/**
 * Measures one cold start in a fresh process: the time to import a bundled function entry (module evaluation
 * included, as a Lambda or Cloud Run cold start pays it) and, when asked, the time until its first event is
 * handled (import + one invocation with a one-record SQS event, lazy SDK loading and idempotency store calls
 * included). Checks that the entry exports a `handler` function and that the event succeeded.
 *
 * @example
 * ```sh
 * node node_modules/.cache/omnibus-bench/coldstart-import-probe.mjs '{"file":"/…/omnibus-aws-lambda.mjs","invoke":"sqs"}'
 * ```
 * @module
 */
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { childMain } from '../lib/protocol.js';

/** Configuration of a probe. */
export interface ProbeConfig {
  readonly file: string;
  /** Invoke the handler once with a one-record SQS event after importing it. */
  readonly invoke?: 'sqs';
}

/** What a probe reports. */
export interface ProbeResult {
  readonly importMs: number;
  /** Import plus the first event, when asked. */
  readonly firstEventMs?: number;
}

type Handler = (event: unknown, context: unknown) => Promise<unknown>;

function sqsEvent(): unknown {
  return {
    Records: [
      {
        messageId: randomUUID(),
        receiptHandle: `rh-${randomUUID()}`,
        body: JSON.stringify({ orderId: 'o-1', amount: 42 }),
        attributes: {
          ApproximateReceiveCount: '1',
          SentTimestamp: String(Date.now()),
          SenderId: 'bench',
          ApproximateFirstReceiveTimestamp: String(Date.now()),
        },
        messageAttributes: {},
        md5OfBody: '',
        eventSource: 'aws:sqs',
        eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:orders',
        awsRegion: 'us-east-1',
      },
    ],
  };
}

const context = {
  functionName: 'bench',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:bench',
  memoryLimitInMB: '512',
  awsRequestId: randomUUID(),
  logGroupName: '/aws/lambda/bench',
  logStreamName: 'bench',
  callbackWaitsForEmptyEventLoop: true,
  getRemainingTimeInMillis: () => 30_000,
};

await childMain<ProbeConfig, ProbeResult>(async ({ file, invoke }) => {
  const t0 = performance.now();
  const module = (await import(pathToFileURL(file).href)) as { handler?: unknown };
  const t1 = performance.now();
  if (typeof module.handler !== 'function') throw new Error(`${file} exports no handler function`);
  if (!invoke) return { importMs: t1 - t0 };
  const response = (await (module.handler as Handler)(sqsEvent(), context)) as {
    batchItemFailures?: unknown[];
  };
  const t2 = performance.now();
  if (!response || (response.batchItemFailures ?? []).length > 0) {
    throw new Error(`the first event failed: ${JSON.stringify(response)}`);
  }
  return { importMs: t1 - t0, firstEventMs: t2 - t0 };
});
