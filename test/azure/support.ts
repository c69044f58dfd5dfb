/**
 * Helpers of the Azure wire tests: one Service Bus twin per test file (port 0: files run in parallel), drivers and a
 * plain SDK client on it, unique names, driver specs, and polling helpers.
 *
 * ```ts
 * const env = useTwin();
 * it('…', async () => { const driver = env.driver(); … });
 * ```
 */
import {
  ServiceBusClient,
  type ServiceBusReceivedMessage,
  type ServiceBusReceiver,
} from '@azure/service-bus';
import { afterAll, beforeAll, onTestFinished } from 'vitest';
import { type AzureDriver, type AzureOptions, azure } from '../../adapters/azure/index.js';
import { type Bus, createBus, type Declaration, type Delivery, type Receiver } from '../../core/index.js';
import { type ServiceBusTwin, startServiceBusTwin } from '../../twin/servicebus/index.js';
import { uniqueName } from '../support/emulators.js';

/** The per-file twin and what tests make on it. */
export interface TwinEnv {
  readonly twin: ServiceBusTwin;
  /** A driver provisioning through the twin, closed when the test ends. */
  driver(options?: Partial<AzureOptions>): AzureDriver;
  /** A bus on a fresh driver, closed (with its consumers) when the test ends. */
  bus(
    declarations: readonly Declaration[],
    options?: Partial<AzureOptions>,
  ): { bus: Bus; driver: AzureDriver };
  /** A plain SDK client (no Omnibus), closed with the file. */
  plain(): ServiceBusClient;
  /** A unique entity name. */
  name(prefix: string): string;
}

/**
 * Starts a twin for the file (in `beforeAll`) and stops it afterwards.
 *
 * @example
 * ```ts
 * const env = useTwin();
 * ```
 */
export function useTwin(): TwinEnv {
  let twin: ServiceBusTwin | undefined;
  let client: ServiceBusClient | undefined;
  beforeAll(async () => {
    twin = await startServiceBusTwin({ port: 0 });
  });
  afterAll(async () => {
    await client?.close();
    await twin?.close();
  });
  const started = () => {
    if (!twin) throw new Error('the twin did not start');
    return twin;
  };
  return {
    get twin() {
      return started();
    },
    driver(options = {}) {
      const t = started();
      const d = azure({ connectionString: t.connectionString, provisioner: t, ...options });
      onTestFinished(() => d.close());
      return d;
    },
    bus(declarations, options = {}) {
      const t = started();
      const driver = azure({ connectionString: t.connectionString, provisioner: t, ...options });
      const bus = createBus({ adapter: driver, declarations });
      onTestFinished(() => bus.close());
      return { bus, driver };
    },
    plain() {
      client ??= new ServiceBusClient(started().connectionString);
      return client;
    },
    name: (prefix) => uniqueName(prefix),
  };
}

/**
 * Receives from a driver receiver until `n` deliveries arrived (or fails after `timeoutMs`).
 *
 * @example
 * ```ts
 * const [d] = await receiveN(receiver, 1);
 * ```
 */
export async function receiveN(receiver: Receiver, n: number, timeoutMs = 10_000): Promise<Delivery[]> {
  const got: Delivery[] = [];
  const deadline = Date.now() + timeoutMs;
  while (got.length < n && Date.now() < deadline) {
    got.push(...(await receiver.receive(n - got.length, { waitSeconds: 1 })));
  }
  if (got.length < n) throw new Error(`${got.length} of ${n} deliveries arrived`);
  return got;
}

/**
 * Receives with a plain SDK receiver until `n` messages arrived.
 *
 * @example
 * ```ts
 * const [m] = await receivePlain(client.createReceiver('q'), 1);
 * ```
 */
export async function receivePlain(
  receiver: ServiceBusReceiver,
  n: number,
  timeoutMs = 10_000,
): Promise<ServiceBusReceivedMessage[]> {
  const got: ServiceBusReceivedMessage[] = [];
  const deadline = Date.now() + timeoutMs;
  while (got.length < n && Date.now() < deadline) {
    got.push(...(await receiver.receiveMessages(n - got.length, { maxWaitTimeInMs: 1_000 })));
  }
  if (got.length < n) throw new Error(`${got.length} of ${n} messages arrived`);
  return got;
}

/**
 * Polls `check` until it stops throwing (or rethrows after `timeoutMs`).
 *
 * @example
 * ```ts
 * await until(() => expect(seen).toHaveLength(3));
 * ```
 */
export async function until<T>(check: () => T | Promise<T>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

/** Text of a delivery body. */
export function textOf(body: string | Uint8Array): string {
  return typeof body === 'string' ? body : Buffer.from(body).toString('utf8');
}
