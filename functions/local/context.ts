/**
 * A Lambda context for local invocations: the fields Lambda's Node.js runtime provides, `getRemainingTimeInMillis()`
 * counting down from the function timeout, and (optionally) a local settler for ChangeMessageVisibility.
 *
 * @example
 * ```ts
 * const context = localLambdaContext({ functionName: 'billing', timeoutMs: 30_000 });
 * context.getRemainingTimeInMillis(); // ≤ 30000
 * ```
 * @module
 */
import { randomUUID } from 'node:crypto';
import type { LambdaContext } from '../aws-lambda/events.js';
import { LOCAL_SQS_SETTLER, type LocalSqsSettler } from '../shared/local-settler.js';

/** Options of {@link localLambdaContext}. */
export interface LocalContextOptions {
  readonly functionName?: string;
  /** The function timeout in ms (default 30 s). */
  readonly timeoutMs?: number;
  /** Region in the function ARN (default `us-east-1`). */
  readonly region?: string;
  /** Settles records of a local runner (see `omnibus/functions/aws-lambda`). */
  readonly settler?: LocalSqsSettler;
  /** Time source (default `Date.now`). */
  readonly now?: () => number;
}

/** The context a local invocation gets (the Lambda Node.js runtime's fields). */
export interface LocalLambdaContext extends LambdaContext {
  callbackWaitsForEmptyEventLoop: boolean;
  functionName: string;
  functionVersion: string;
  invokedFunctionArn: string;
  memoryLimitInMB: string;
  awsRequestId: string;
  logGroupName: string;
  logStreamName: string;
  /** Deprecated callback-era methods; not supported locally (they throw). */
  done(error?: Error, result?: unknown): void;
  fail(error: Error | string): void;
  succeed(messageOrObject: unknown): void;
}

function unsupported(name: string): never {
  throw new Error(
    `context.${name}() is a deprecated callback-era method; return or throw from an async handler`,
  );
}

/**
 * Creates a local Lambda context.
 *
 * @example
 * ```ts
 * await handler(event, localLambdaContext({ timeoutMs: 5000 }));
 * ```
 */
export function localLambdaContext(options: LocalContextOptions = {}): LocalLambdaContext {
  const now = options.now ?? Date.now;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const end = now() + timeoutMs;
  const functionName = options.functionName ?? 'local-function';
  const region = options.region ?? 'us-east-1';
  const context: LocalLambdaContext = {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${region}:000000000000:function:${functionName}`,
    memoryLimitInMB: '128',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `local/${randomUUID()}`,
    getRemainingTimeInMillis: () => Math.max(0, end - now()),
    done: () => unsupported('done'),
    fail: () => unsupported('fail'),
    succeed: () => unsupported('succeed'),
  };
  if (options.settler) (context as unknown as Record<symbol, unknown>)[LOCAL_SQS_SETTLER] = options.settler;
  return context;
}
