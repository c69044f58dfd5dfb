/**
 * What every SQS consumer contender implements: start consuming a queue, calling `handled()` once per message
 * after the shared handler work (parse + schema check), and stop.
 *
 * @example
 * ```ts
 * const running = await startRaw(config, () => count++);
 * await running.stop();
 * ```
 * @module
 */
import { SQSClient } from '@aws-sdk/client-sqs';
import type { MotoAddress } from '../types.js';
import { type OrderEvent, orderEvent } from '../workload.js';

/** A running consumer. */
export interface RunningConsumer {
  stop(): Promise<void>;
}

/** Long poll used by every contender, seconds. */
export const WAIT_SECONDS = 20;

/** SQS calls made by every client {@link sqsClient} built in this process, by command. */
export const sqsCalls = new Map<string, number>();

/**
 * Total SQS calls so far (all commands).
 *
 * @example
 * ```ts
 * const before = totalSqsCalls();
 * ```
 */
export function totalSqsCalls(): number {
  let n = 0;
  for (const v of sqsCalls.values()) n += v;
  return n;
}

/**
 * The SDK client every contender uses (one per process), configured the same way for all, with a middleware that
 * counts calls by command.
 *
 * @example
 * ```ts
 * const sqs = sqsClient({ endpoint: 'http://127.0.0.1:4566', region: 'us-east-1' });
 * ```
 */
export function sqsClient(address: MotoAddress): SQSClient {
  const client = new SQSClient({
    endpoint: address.endpoint,
    region: address.region,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const name = String(context.commandName ?? 'unknown').replace(/Command$/, '');
      sqsCalls.set(name, (sqsCalls.get(name) ?? 0) + 1);
      return next(args);
    },
    { step: 'initialize', name: 'benchSqsCallCounter' },
  );
  return client;
}

/**
 * The shared handler work for contenders that receive raw text: parse and validate.
 *
 * @example
 * ```ts
 * const event = handleBody('{"id":"m-1",…}');
 * ```
 */
export function handleBody(body: string | undefined): OrderEvent {
  return orderEvent.parse(JSON.parse(body ?? ''));
}
