/**
 * Shared helpers of the Service Bus twin tests: start a twin on a free port with a `ServiceBusClient` pointed at it,
 * unique names, error-code assertions.
 */
import { randomBytes } from 'node:crypto';
import {
  ServiceBusClient,
  type ServiceBusClientOptions,
  type ServiceBusReceivedMessage,
  type ServiceBusReceiver,
} from '@azure/service-bus';
import { expect } from 'vitest';
import {
  type ServiceBusTwin,
  type ServiceBusTwinOptions,
  startServiceBusTwin,
} from '../../../twin/servicebus/index.js';

/** Retry options that make refusals surface at once. */
export const FAST_FAIL = { maxRetries: 0, timeoutInMs: 5000 } as const;

/**
 * A twin plus a client connected to it.
 *
 * @example
 * ```ts
 * const ctx = await startTwinWithClient({ entities: { queues: [{ name: 'q' }] } });
 * await ctx.close();
 * ```
 */
export interface TwinContext {
  twin: ServiceBusTwin;
  client: ServiceBusClient;
  close(): Promise<void>;
}

/**
 * Starts a twin on a free port and a client with fast-failing retries.
 *
 * @example
 * ```ts
 * const { twin, client, close } = await startTwinWithClient({ lockDurationMs: 2000 });
 * ```
 */
export async function startTwinWithClient(
  options: ServiceBusTwinOptions = {},
  clientOptions: ServiceBusClientOptions = { retryOptions: FAST_FAIL },
): Promise<TwinContext> {
  const twin = await startServiceBusTwin({ port: 0, ...options });
  const client = new ServiceBusClient(twin.connectionString, clientOptions);
  return {
    twin,
    client,
    close: async () => {
      await client.close().catch(() => {});
      await twin.close();
    },
  };
}

/**
 * A name no other test uses.
 *
 * @example
 * ```ts
 * const queue = unique('orders'); // 'orders-3fa2c1'
 * ```
 */
export function unique(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

/**
 * Resolves after `ms` milliseconds.
 *
 * @example
 * ```ts
 * await sleep(100);
 * ```
 */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Awaits `promise`, expects it to reject with a ServiceBusError of `code`, and returns the error.
 *
 * @example
 * ```ts
 * await expectServiceBusError(receiver.completeMessage(m), 'MessageLockLost');
 * ```
 */
export async function expectServiceBusError(
  promise: Promise<unknown>,
  code: string,
): Promise<Error & { code?: string }> {
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  expect(caught, `expected a ServiceBusError with code ${code}`).toBeInstanceOf(Error);
  const error = caught as Error & { code?: string; name: string };
  expect({ name: error.name, code: error.code }).toEqual({ name: 'ServiceBusError', code });
  return error;
}

/**
 * Receives until `count` messages arrived or `timeoutMs` passed.
 *
 * @example
 * ```ts
 * const messages = await receiveCount(receiver, 10, 5000);
 * ```
 */
export async function receiveCount(
  receiver: ServiceBusReceiver,
  count: number,
  timeoutMs = 5000,
): Promise<ServiceBusReceivedMessage[]> {
  const out: ServiceBusReceivedMessage[] = [];
  const deadline = Date.now() + timeoutMs;
  while (out.length < count && Date.now() < deadline) {
    const batch = await receiver.receiveMessages(count - out.length, {
      maxWaitTimeInMs: Math.max(50, Math.min(1000, deadline - Date.now())),
    });
    out.push(...batch);
  }
  return out;
}

/**
 * Polls `predicate` until it holds or `timeoutMs` passes.
 *
 * @example
 * ```ts
 * await waitFor(() => twin.stats().locks === 0);
 * ```
 */
export async function waitFor(predicate: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}
