/**
 * The Azure Functions Service Bus handlers registered with the real `@azure/functions` package (`app.serviceBusQueue`,
 * `app.serviceBusTopic`) and invoked through its real programming model with the host's RPC invocation format, so
 * the handler gets the package's own `InvocationContext` and camel-cased trigger metadata. A throw is the platform's
 * abandon; a return its completion. The bus runs on the memory driver (dead letters are envelope copies there).
 */
import { app, InvocationContext } from '@azure/functions';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { memory } from '../../adapters/memory/index.js';
import { createBus } from '../../core/bus.js';
import { deadLetters } from '../../core/dead-letters.js';
import { type Declaration, defineQueue, defineTopic } from '../../core/declarations.js';
import type { Driver } from '../../core/driver.js';
import { ValidationError } from '../../core/errors.js';
import { memoryIdempotencyStore } from '../../core/idempotency/memory-store.js';
import type { ReceivedMessage } from '../../core/message.js';
import { specOf } from '../../core/plan.js';
import {
  RedeliveryRequested,
  serviceBusHandler,
  serviceBusQueueFunction,
  serviceBusTopicFunction,
} from '../../functions/azure/index.js';
import { installFakeWorker, serviceBusMetadata } from './azure-host.js';
import { gate } from './support.js';

const worker = installFakeWorker();
let counter = 0;
const fnName = (prefix: string) => `${prefix}-${++counter}`;
const json = (value: unknown) => ({ bytes: Buffer.from(JSON.stringify(value)) });

async function memoryBus(declarations: Declaration[]) {
  const bus = createBus({ adapter: memory(), declarations });
  await bus.provision();
  return bus;
}

describe('[functions:azure] service bus trigger through @azure/functions', () => {
  it('registers with app.serviceBusQueue (bytes, one message, sessions off) and gets the real InvocationContext', async () => {
    const Order = z.object({ orderId: z.string() });
    const queue = defineQueue('az-billing', { schema: Order });
    const bus = await memoryBus([queue]);
    const got: ReceivedMessage<z.infer<typeof Order>>[] = [];
    const name = fnName('billing');
    app.serviceBusQueue(
      name,
      serviceBusQueueFunction(bus, queue, async (m) => void got.push(m), { connection: 'ServiceBus' }),
    );
    const registered = worker.functions.get(name)!;
    const trigger = Object.values(registered.metadata.bindings).find((b) => b.direction === 'in')!;
    expect(trigger).toMatchObject({
      type: 'serviceBusTrigger',
      queueName: 'az-billing',
      connection: 'ServiceBus',
      dataType: 'binary',
      cardinality: 'one',
      isSessionsEnabled: false,
      autoCompleteMessages: true,
    });
    const { context } = await worker.invoke(
      name,
      json({ orderId: 'o-1' }),
      serviceBusMetadata({
        messageId: 'm-1',
        deliveryCount: 1,
        applicationProperties: { region: 'eu', priority: 3 },
        enqueuedTimeUtc: '2024-05-01T10:00:00Z',
      }),
    );
    expect(context).toBeInstanceOf(InvocationContext);
    expect(got).toHaveLength(1);
    expect(got[0]).toMatchObject({ id: 'm-1', attempt: 1, body: { orderId: 'o-1' }, source: 'az-billing' });
    expect(got[0]!.attributes).toEqual({ region: 'eu', priority: 3 });
    expect(got[0]!.publishTime.toISOString()).toBe('2024-05-01T10:00:00.000Z');
    await bus.close();
  });

  it('a failure without backoff throws (the host abandons) and the next delivery is attempt 2', async () => {
    const queue = defineQueue('az-retry', { retry: { initialDelaySeconds: 0, jitter: false } });
    const bus = await memoryBus([queue]);
    const attempts: number[] = [];
    const name = fnName('retry');
    app.serviceBusQueue(
      name,
      serviceBusQueueFunction(
        bus,
        queue,
        async (m) => {
          attempts.push(m.attempt);
          if (m.attempt === 1) throw new Error('database down');
        },
        { connection: 'ServiceBus' },
      ),
    );
    await expect(
      worker.invoke(name, json({ n: 1 }), serviceBusMetadata({ messageId: 'r-1', deliveryCount: 1 })),
    ).rejects.toSatisfy((e: unknown) => e instanceof RedeliveryRequested && e.outcomes[0] === 'released');
    await expect(
      worker.invoke(name, json({ n: 1 }), serviceBusMetadata({ messageId: 'r-1', deliveryCount: 2 })),
    ).resolves.toBeDefined();
    expect(attempts).toEqual([1, 2]);
    await bus.close();
  });

  it('a failure with backoff schedules a delayed copy carrying the attempt, and the original completes', async () => {
    const queue = defineQueue('az-backoff', {
      retry: { initialDelaySeconds: 1, multiplier: 1, jitter: false },
    });
    const driver = memory();
    const bus = createBus({ adapter: driver, declarations: [queue] });
    await bus.provision();
    const seen: [string, number][] = [];
    const name = fnName('backoff');
    app.serviceBusQueue(
      name,
      serviceBusQueueFunction(
        bus,
        queue,
        async (m) => {
          seen.push([m.id, m.attempt]);
          if (m.attempt === 1) throw new Error('later');
        },
        { connection: 'ServiceBus' },
      ),
    );
    // Returns: the host completes the original, the copy is due in 1 s.
    await expect(
      worker.invoke(name, json({ k: 1 }), serviceBusMetadata({ messageId: 'o-1', deliveryCount: 1 })),
    ).resolves.toBeDefined();
    expect(driver.inspect('az-backoff')).toMatchObject({ ready: 0, delayed: 1 });
    const receiver = driver.openReceiver(specOf(queue, driver.capabilities), {
      maxInFlight: 1,
      leaseSeconds: 30,
    });
    const [copy] = await receiver.receive(1, { waitSeconds: 3 });
    expect(copy).toBeDefined();
    await receiver.close();
    // The copy arrives as a new Service Bus message: its own id and delivery count, the attempts in omnibus_meta.
    await worker.invoke(
      name,
      { bytes: Buffer.from(copy!.body as string) },
      serviceBusMetadata({
        messageId: copy!.id,
        deliveryCount: 1,
        applicationProperties: { ...copy!.attributes },
      }),
    );
    expect(seen).toEqual([
      ['o-1', 1],
      ['o-1', 2],
    ]);
    await copy!.ack();
    await bus.close();
  });

  it('dead-letters a poison message through the middleware at max attempts (envelope copy), so the host completes it', async () => {
    const queue = defineQueue('az-poison', {
      maxAttempts: 3,
      retry: { initialDelaySeconds: 0, jitter: false },
    });
    const bus = await memoryBus([queue]);
    const name = fnName('poison');
    app.serviceBusQueue(
      name,
      serviceBusQueueFunction(
        bus,
        queue,
        async () => {
          throw new Error('cannot parse invoice');
        },
        { connection: 'ServiceBus' },
      ),
    );
    const body = json({ invoice: 7 });
    await expect(
      worker.invoke(name, body, serviceBusMetadata({ messageId: 'p-1', deliveryCount: 2 })),
    ).rejects.toBeInstanceOf(RedeliveryRequested);
    await expect(
      worker.invoke(name, body, serviceBusMetadata({ messageId: 'p-1', deliveryCount: 3 })),
    ).resolves.toBeDefined();
    const dlq = deadLetters(bus, queue);
    const [dead] = await dlq.read({ max: 5 });
    expect(dead?.body).toEqual({ invoice: 7 });
    expect(dead?.envelope).toMatchObject({
      reason: 'max-attempts',
      attempts: 3,
      originalId: 'p-1',
      source: 'az-poison',
    });
    expect(dead?.envelope?.error?.message).toBe('cannot parse invoice');
    await dead?.ack();
    await dlq.close();
    await bus.close();
  });

  it('dead-letters a malformed body at once (validation) and abandons trigger metadata without a message id', async () => {
    const queue = defineQueue('az-malformed', { schema: z.object({ id: z.string() }) });
    const bus = await memoryBus([queue]);
    let runs = 0;
    const name = fnName('malformed');
    app.serviceBusQueue(
      name,
      serviceBusQueueFunction(bus, queue, async () => void runs++, { connection: 'ServiceBus' }),
    );
    await expect(
      worker.invoke(
        name,
        { bytes: Buffer.from('{"id": ') },
        serviceBusMetadata({ messageId: 'bad-1', deliveryCount: 1 }),
      ),
    ).resolves.toBeDefined();
    const meta = serviceBusMetadata({ messageId: 'x', deliveryCount: 1 });
    delete meta.MessageId;
    await expect(worker.invoke(name, json({ id: 'a' }), meta)).rejects.toSatisfy(
      (e: unknown) => ValidationError.isInstance(e) && e.field === 'context.triggerMetadata.messageId',
    );
    expect(runs).toBe(0);
    const dlq = deadLetters(bus, queue);
    const [dead] = await dlq.read();
    expect(dead?.envelope).toMatchObject({ reason: 'validation', attempts: 1 });
    expect(dead?.rawBody).toBe('{"id": ');
    await dlq.close();
    await bus.close();
  });

  it('maps application properties as the library hands them over: first letters lower-cased, ids and booleans as text', async () => {
    const queue = defineQueue('az-props');
    const bus = await memoryBus([queue]);
    const got: ReceivedMessage[] = [];
    const name = fnName('props');
    app.serviceBusQueue(
      name,
      serviceBusQueueFunction(bus, queue, async (m) => void got.push(m), { connection: 'ServiceBus' }),
    );
    await worker.invoke(
      name,
      json({}),
      serviceBusMetadata({
        messageId: '12345',
        deliveryCount: 1,
        applicationProperties: { Region: 'eu', total: 9.5, vip: true, sig: 'AQI=' },
      }),
    );
    // The library camel-cases metadata keys recursively (`Region` → `region`) and parses the JSON-looking id.
    expect(got[0]!.attributes).toEqual({ region: 'eu', total: 9.5, vip: 'true', sig: 'AQI=' });
    expect(got[0]!.id).toBe('12345');
    await bus.close();
  });

  it('a session subscription registers with app.serviceBusTopic and takes sessionId as the ordering key; filters hold', async () => {
    const topic = defineTopic('az-orders', { ordering: true, format: 'text' });
    const audit = topic.subscription('audit', { filter: { kind: 'audit' } });
    const bus = await memoryBus([topic]);
    const got: ReceivedMessage[] = [];
    const name = fnName('audit');
    app.serviceBusTopic(
      name,
      serviceBusTopicFunction(bus, audit, async (m) => void got.push(m), { connection: 'ServiceBus' }),
    );
    const trigger = Object.values(worker.functions.get(name)!.metadata.bindings).find(
      (b) => b.direction === 'in',
    )!;
    expect(trigger).toMatchObject({
      topicName: 'az-orders',
      subscriptionName: 'audit',
      isSessionsEnabled: true,
    });
    await worker.invoke(
      name,
      { bytes: Buffer.from('placed') },
      serviceBusMetadata({
        messageId: 's-1',
        deliveryCount: 1,
        sessionId: 'customer-9',
        applicationProperties: { kind: 'audit' },
      }),
    );
    await worker.invoke(
      name,
      { bytes: Buffer.from('other') },
      serviceBusMetadata({
        messageId: 's-2',
        deliveryCount: 1,
        sessionId: 'customer-9',
        applicationProperties: { kind: 'mail' },
      }),
    );
    expect(got.map((m) => [m.body, m.orderingKey, m.source])).toEqual([
      ['placed', 'customer-9', 'az-orders/audit'],
    ]);
    await bus.close();
  });

  it('never loses a message: when the dead-letter copy cannot be sent, the invocation throws and the host abandons', async () => {
    const queue = defineQueue('az-dl-fails', { maxAttempts: 1 });
    const driver = memory();
    const bus = createBus({ adapter: driver, declarations: [queue] });
    await bus.provision();
    const name = fnName('dlfails');
    app.serviceBusQueue(
      name,
      serviceBusQueueFunction(
        bus,
        queue,
        async () => {
          throw new Error('bad');
        },
        { connection: 'ServiceBus' },
      ),
    );
    driver.faults.failSends(1);
    await expect(
      worker.invoke(name, json({}), serviceBusMetadata({ messageId: 'f-1', deliveryCount: 1 })),
    ).rejects.toSatisfy((e: unknown) => e instanceof RedeliveryRequested && e.outcomes[0] === 'failed');
    // Redelivered (deliveryCount 2): the copy goes through this time and the host completes the message.
    await expect(
      worker.invoke(name, json({}), serviceBusMetadata({ messageId: 'f-1', deliveryCount: 2 })),
    ).resolves.toBeDefined();
    const dlq = deadLetters(bus, queue);
    expect((await dlq.read({ max: 5 })).map((d) => d.originalId)).toEqual(['f-1']);
    await dlq.close();
    await bus.close();
  });

  it('on Service Bus the automatic dead-letter queue is left to the host (abandon to MaxDeliveryCount); a declared one gets the envelope', async () => {
    const inner = memory();
    // The memory broker standing in for Service Bus: same capabilities, provider "azure".
    const driver: Driver = {
      specVersion: inner.specVersion,
      capabilities: { ...inner.capabilities, provider: 'azure' },
      provision: (t) => inner.provision(t),
      send: (t, m) => inner.send(t, m),
      openReceiver: (s, o) => inner.openReceiver(s, o),
      redeliver: (s, m) => inner.redeliver!(s, m),
      close: () => inner.close(),
    };
    const automatic = defineQueue('az-native-dl', { maxAttempts: 2 });
    const parking = defineQueue('az-parking', { deadLetter: false });
    const declared = defineQueue('az-declared-dl', { maxAttempts: 2, deadLetter: parking });
    const bus = createBus({ adapter: driver, declarations: [automatic, declared] });
    await bus.provision();
    const fail = async () => {
      throw new Error('broken');
    };
    const a = fnName('native-dl');
    const b = fnName('declared-dl');
    app.serviceBusQueue(a, serviceBusQueueFunction(bus, automatic, fail, { connection: 'ServiceBus' }));
    app.serviceBusQueue(b, serviceBusQueueFunction(bus, declared, fail, { connection: 'ServiceBus' }));
    // Last attempt on the automatic queue: abandoned, so Service Bus moves it to $DeadLetterQueue itself.
    await expect(
      worker.invoke(a, json({}), serviceBusMetadata({ messageId: 'n-1', deliveryCount: 2 })),
    ).rejects.toSatisfy((e: unknown) => e instanceof RedeliveryRequested && e.outcomes[0] === 'failed');
    expect(inner.inspect('az-native-dl-dlq').total).toBe(0); // no copy was sent anywhere
    // Last attempt on a queue with a dead-letter queue of its own: the envelope copy, and the host completes.
    await expect(
      worker.invoke(b, json({}), serviceBusMetadata({ messageId: 'd-1', deliveryCount: 2 })),
    ).resolves.toBeDefined();
    expect(inner.inspect('az-parking').total).toBe(1);
    await bus.close();
  });

  it('runs a duplicate delivery once with idempotency', async () => {
    const queue = defineQueue('az-dup');
    const bus = await memoryBus([queue]);
    let runs = 0;
    const name = fnName('dup');
    app.serviceBusQueue(
      name,
      serviceBusQueueFunction(bus, queue, async () => void runs++, {
        connection: 'ServiceBus',
        idempotency: { store: memoryIdempotencyStore() },
      }),
    );
    await worker.invoke(name, json({ a: 1 }), serviceBusMetadata({ messageId: 'd-1', deliveryCount: 1 }));
    // Completion was lost (the lock expired): the same message arrives again.
    await worker.invoke(name, json({ a: 1 }), serviceBusMetadata({ messageId: 'd-1', deliveryCount: 2 }));
    expect(runs).toBe(1);
    await bus.close();
  });

  it('abandons a message still running at timeoutMs, before the host times the function out', async () => {
    const queue = defineQueue('az-slow');
    const bus = await memoryBus([queue]);
    const slow = gate();
    const name = fnName('slow');
    app.serviceBusQueue(
      name,
      serviceBusQueueFunction(bus, queue, async () => slow.wait, {
        connection: 'ServiceBus',
        timeoutMs: 200,
      }),
    );
    await expect(
      worker.invoke(name, json({}), serviceBusMetadata({ messageId: 't-1', deliveryCount: 1 })),
    ).rejects.toSatisfy((e: unknown) => e instanceof RedeliveryRequested && e.outcomes[0] === 'timed-out');
    slow.open();
    await bus.close();
  });

  it('keeps binary bodies byte for byte, and refuses bad settings before anything runs', async () => {
    const queue = defineQueue('az-bytes', { format: 'binary' });
    const bus = await memoryBus([queue]);
    const got: unknown[] = [];
    const handler = serviceBusHandler(bus, queue, async (m) => void got.push(m.body));
    const name = fnName('bytes');
    const options = { connection: 'ServiceBus', queueName: 'az-bytes', dataType: 'binary', handler };
    app.serviceBusQueue(name, options);
    const bytes = new Uint8Array([0, 255, 128, 10]);
    await worker.invoke(name, { bytes }, serviceBusMetadata({ messageId: 'b-1', deliveryCount: 1 }));
    expect(got).toEqual([bytes]);
    expect(() => serviceBusQueueFunction(bus, queue, async () => {}, { connection: '' })).toThrow(
      /connection/,
    );
    expect(() =>
      serviceBusQueueFunction(bus, defineTopic('t') as never, async () => {}, { connection: 'c' }),
    ).toThrow(/queue/);
    expect(() => serviceBusHandler(bus, queue, async () => {}, { timeoutMs: 0 })).toThrow(/timeoutMs/);
    await bus.close();
  });
});
