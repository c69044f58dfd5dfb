/**
 * Helpers for the GCP wire tests: drivers and plain clients pointed at the emulator from the global setup, and a
 * small poller. Every driver and client made here is closed by the test that made it (`onTestFinished`).
 */
import { PubSub } from '@google-cloud/pubsub';
import { onTestFinished } from 'vitest';
import { gcp } from '../../adapters/gcp/index.js';
import type { Delivery, Driver, Receiver } from '../../core/index.js';
import type { PubSubEmulator } from '../setup/emulator-types.js';

/** A GCP driver on the emulator, closed when the test ends. */
export function emulatorDriver(emu: PubSubEmulator): Driver {
  const driver = gcp({ projectId: emu.projectId, apiEndpoint: emu.host, emulatorMode: true });
  onTestFinished(() => driver.close());
  return driver;
}

/** A plain `@google-cloud/pubsub` client on the emulator (no Omnibus), closed when the test ends. */
export function plainClient(emu: PubSubEmulator): PubSub {
  const client = new PubSub({ projectId: emu.projectId, apiEndpoint: emu.host, emulatorMode: true });
  onTestFinished(() => client.close());
  return client;
}

/** Polls `check` until it stops throwing, or throws its last error after `timeoutMs`. */
export async function eventually<T>(
  check: () => T | Promise<T>,
  timeoutMs = 15_000,
  everyMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, everyMs));
    }
  }
}

/** Receives until `n` deliveries arrived (or `timeoutMs` passed); returns what arrived, unsettled. */
export async function receiveN(receiver: Receiver, n: number, timeoutMs = 15_000): Promise<Delivery[]> {
  const got: Delivery[] = [];
  const deadline = Date.now() + timeoutMs;
  while (got.length < n && Date.now() < deadline) {
    got.push(...(await receiver.receive(n - got.length, { waitSeconds: 1 })));
  }
  return got;
}

/** Text of a delivery's body. */
export function text(d: Delivery): string {
  return typeof d.body === 'string' ? d.body : Buffer.from(d.body).toString('utf8');
}

/** Sleeps real time. */
export const pause = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
