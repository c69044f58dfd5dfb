/**
 * The Azure Functions handler against Service Bus itself (the twin, on the real AMQP wire): messages sent through
 * the Azure adapter are received the way the Functions host receives them (a plain `@azure/service-bus` receiver in
 * peek-lock mode), handed to the function registered with `@azure/functions` in the host's invocation format, and
 * settled the way the host settles them — completed when the function returns, abandoned when it throws.
 */

import { app } from '@azure/functions';
import {
  ServiceBusClient,
  type ServiceBusReceivedMessage,
  type ServiceBusReceiver,
} from '@azure/service-bus';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { azure } from '../../adapters/azure/index.js';
import { createBus } from '../../core/bus.js';
import { type Declaration, defineQueue } from '../../core/declarations.js';
import type { ReceivedMessage } from '../../core/message.js';
import { serviceBusQueueFunction } from '../../functions/azure/index.js';
import { type ServiceBusTwin, startServiceBusTwin } from '../../twin/servicebus/index.js';
import { uniqueName } from '../support/emulators.js';
import { installFakeWorker, type RpcTypedData } from './azure-host.js';

const worker = installFakeWorker();
let twin: ServiceBusTwin;
let client: ServiceBusClient;

beforeAll(async () => {
  twin = await startServiceBusTwin({ port: 0 });
  client = new ServiceBusClient(twin.connectionString);
});

afterAll(async () => {
  await client?.close();
  await twin?.close();
});

/**
 * AMQP binary as this receiver hands it over: a Uint8Array, or (in application properties) an object keyed by the
 * byte indexes. The host (.NET) sees a byte[] either way.
 */
function isBytes(v: unknown): v is Record<string, number> {
  if (v instanceof Uint8Array) return true;
  if (typeof v !== 'object' || v === null || v instanceof Date) return false;
  const keys = Object.keys(v);
  return (
    keys.length > 0 &&
    keys.every((k, i) => k === String(i) && typeof (v as Record<string, unknown>)[k] === 'number')
  );
}

/**
 * The trigger metadata the host sends for a received message: its `DeliveryCount` counts from 1, and .NET's JSON
 * serializer writes byte[] properties as base64 and dates as ISO text.
 */
function hostMetadata(m: ServiceBusReceivedMessage): Record<string, RpcTypedData> {
  const properties: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(m.applicationProperties ?? {})) {
    properties[k] =
      v instanceof Date ? v.toISOString() : isBytes(v) ? Buffer.from(Object.values(v)).toString('base64') : v;
  }
  const meta: Record<string, RpcTypedData> = {
    MessageId: { string: String(m.messageId) },
    DeliveryCount: { json: String(m.deliveryCount! + 1) },
    ApplicationProperties: { json: JSON.stringify(properties) },
    EnqueuedTimeUtc: { json: JSON.stringify(m.enqueuedTimeUtc!.toISOString()) },
    SequenceNumber: { json: String(m.sequenceNumber) },
    LockToken: { string: String(m.lockToken) },
  };
  if (m.sessionId !== undefined) meta.SessionId = { string: m.sessionId };
  return meta;
}

/** Receives one message as the host does, invokes the function, settles as the host does. */
async function deliverAsHost(
  receiver: ServiceBusReceiver,
  name: string,
  waitMs = 5000,
): Promise<'completed' | 'abandoned' | 'none'> {
  const [m] = await receiver.receiveMessages(1, { maxWaitTimeInMs: waitMs });
  if (!m) return 'none';
  try {
    await worker.invoke(name, { bytes: m.body as Buffer }, hostMetadata(m));
  } catch {
    await receiver.abandonMessage(m);
    return 'abandoned';
  }
  await receiver.completeMessage(m);
  return 'completed';
}

async function twinBus(declarations: Declaration[]) {
  const bus = createBus({
    adapter: azure({ connectionString: twin.connectionString, provisioner: twin }),
    declarations,
  });
  await bus.provision();
  return bus;
}

describe('[functions:azure] on the Service Bus twin, received and settled as the Functions host does', () => {
  it('a message sent through the Azure adapter completes on success, with its typed properties', async () => {
    const queue = defineQueue(uniqueName('az-twin-ok'));
    const bus = await twinBus([queue]);
    const got: ReceivedMessage[] = [];
    const name = uniqueName('fn-twin-ok');
    app.serviceBusQueue(
      name,
      serviceBusQueueFunction(bus, queue, async (m) => void got.push(m), { connection: 'SB' }),
    );
    const receipt = await bus.send(
      queue,
      { orderId: 'o-1' },
      { attributes: { region: 'eu', priority: 3, sig: new Uint8Array([1, 2]) } },
    );
    const receiver = client.createReceiver(queue.name, { skipParsingBodyAsJson: true });
    expect(await deliverAsHost(receiver, name)).toBe('completed');
    expect(got[0]).toMatchObject({ id: receipt.id, attempt: 1, body: { orderId: 'o-1' } });
    // Bytes travel as base64 text through the host's JSON.
    expect(got[0]!.attributes).toEqual({ region: 'eu', priority: 3, sig: 'AQI=' });
    expect(await deliverAsHost(receiver, name, 500)).toBe('none');
    await receiver.close();
    await bus.close();
  });

  it('a failure with backoff schedules a copy on Service Bus and completes the original; the copy is attempt 2', async () => {
    const queue = defineQueue(uniqueName('az-twin-backoff'), {
      retry: { initialDelaySeconds: 2, multiplier: 1, jitter: false },
    });
    const bus = await twinBus([queue]);
    const attempts: [string, number][] = [];
    const name = uniqueName('fn-twin-backoff');
    app.serviceBusQueue(
      name,
      serviceBusQueueFunction(
        bus,
        queue,
        async (m) => {
          attempts.push([m.id, m.attempt]);
          if (m.attempt === 1) throw new Error('not yet');
        },
        { connection: 'SB' },
      ),
    );
    const receipt = await bus.send(queue, 'work');
    const receiver = client.createReceiver(queue.name, { skipParsingBodyAsJson: true });
    expect(await deliverAsHost(receiver, name)).toBe('completed');
    expect(await deliverAsHost(receiver, name, 1000)).toBe('none'); // scheduled, not yet visible
    expect(await deliverAsHost(receiver, name, 6000)).toBe('completed');
    expect(attempts).toEqual([
      [receipt.id, 1],
      [receipt.id, 2],
    ]);
    await receiver.close();
    await bus.close();
  });

  it('at the last attempt the message is abandoned and Service Bus dead-letters it natively (MaxDeliveryCount)', async () => {
    const queue = defineQueue(uniqueName('az-twin-dl'), {
      maxAttempts: 2,
      retry: { initialDelaySeconds: 0, jitter: false },
    });
    const bus = await twinBus([queue]);
    let runs = 0;
    const name = uniqueName('fn-twin-dl');
    app.serviceBusQueue(
      name,
      serviceBusQueueFunction(
        bus,
        queue,
        async () => {
          runs++;
          throw new Error('poison');
        },
        { connection: 'SB' },
      ),
    );
    await bus.send(queue, { bad: true });
    const receiver = client.createReceiver(queue.name, { skipParsingBodyAsJson: true });
    expect(await deliverAsHost(receiver, name)).toBe('abandoned');
    expect(await deliverAsHost(receiver, name)).toBe('abandoned');
    expect(await deliverAsHost(receiver, name, 1000)).toBe('none');
    expect(runs).toBe(2);
    const dlq = client.createReceiver(queue.name, {
      subQueueType: 'deadLetter',
      skipParsingBodyAsJson: true,
    });
    const [dead] = await dlq.receiveMessages(1, { maxWaitTimeInMs: 5000 });
    expect(dead?.deadLetterReason).toBe('MaxDeliveryCountExceeded');
    expect(JSON.parse(String(dead?.body))).toEqual({ bad: true });
    await dlq.completeMessage(dead!);
    await dlq.close();
    await receiver.close();
    await bus.close();
  });
});
