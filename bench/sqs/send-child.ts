/**
 * The body of a send-path child process: sends one burst of `burst` messages (as `burst` concurrent callers would)
 * to each of its queues in turn — so no queue gets deeper than one burst — through one send path. One message per
 * queue goes first, untimed (connections, queue URL look-ups). An SDK middleware counts SendMessage /
 * SendMessageBatch calls, so the report shows how many calls each path made.
 *
 * @example
 * ```ts
 * await sendChild(rawPath); // in bench/sqs/entries/send-raw.ts
 * ```
 * @module
 */
import type { SQSClient } from '@aws-sdk/client-sqs';
import { childMain, cpuMicros } from '../lib/protocol.js';
import { sqsCalls, sqsClient } from './contenders/contender.js';
import type { SendChildConfig, SendChildResult } from './types.js';

/** One send path. */
export interface SendPath {
  /** Sends one untimed message to queue `k`. */
  warm(k: number): Promise<void>;
  /** Sends messages `ids` to queue `k`, all at once. */
  burst(k: number, ids: readonly number[]): Promise<void>;
  close(): Promise<void>;
}

/** Builds a send path on the child's SDK client. */
export type MakeSendPath = (config: SendChildConfig, sqs: SQSClient) => SendPath;

/**
 * Runs the child: reads the configuration, runs the path, reports the result and exits.
 *
 * @example
 * ```ts
 * await sendChild((config, sqs) => ({ warm: async () => {}, burst: async () => {}, close: async () => {} }));
 * ```
 */
export async function sendChild(make: MakeSendPath): Promise<void> {
  await childMain<SendChildConfig, SendChildResult>(async (config) => {
    const sqs = sqsClient(config);
    const sends = () => (sqsCalls.get('SendMessage') ?? 0) + (sqsCalls.get('SendMessageBatch') ?? 0);
    const path = make(config, sqs);
    const count = config.queueUrls.length;
    for (let k = 0; k < count; k++) await path.warm(k);
    const calls0 = sends();
    const t0 = performance.now();
    const c0 = cpuMicros();
    for (let k = 0; k < count; k++) {
      await path.burst(
        k,
        Array.from({ length: config.burst }, (_, i) => k * config.burst + i),
      );
    }
    const wallMs = performance.now() - t0;
    const cpu = cpuMicros() - c0;
    const calls = sends() - calls0;
    await path.close();
    sqs.destroy();
    return { wallMs, cpuMicros: cpu, sent: count * config.burst, calls };
  });
}
