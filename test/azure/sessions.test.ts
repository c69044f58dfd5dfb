/**
 * Sessions (ordering keys) on the wire: per-key order under concurrency across sessions, one message per session
 * in flight, a delayed release that pauses the session (the same message comes back first, same MessageId and
 * delivery count + 1), and idle sessions handed back to the broker for other consumers.
 */
import type { ServiceBusReceivedMessage } from '@azure/service-bus';
import { describe, expect, it } from 'vitest';
import { defineQueue, defineTopic, type ReceivedMessage, specOf, topologyOf } from '../../core/index.js';
import { receiveN, until, useTwin } from './support.js';

const env = useTwin();

interface Keyed {
  key: string;
  seq: number;
}

describe('azure servicebus: sessions', () => {
  it('keeps per-key order with several sessions in flight at once', async () => {
    const q = defineQueue(env.name('order'), { ordering: true });
    const { bus } = env.bus([q]);
    await bus.provision();
    const keys = ['a', 'b', 'c'];
    await bus.sendBatch(
      q,
      [0, 1, 2, 3, 4].flatMap((seq) => keys.map((key) => ({ body: { key, seq }, orderingKey: key }))),
    );
    const order = new Map<string, number[]>(keys.map((k) => [k, []]));
    const busy = new Set<string>();
    let overlap = false;
    let inFlight = 0;
    let most = 0;
    const consumer = bus.consume(
      q,
      async (m: ReceivedMessage<unknown>) => {
        const { key, seq } = m.body as Keyed;
        if (busy.has(key)) overlap = true;
        busy.add(key);
        inFlight++;
        most = Math.max(most, inFlight);
        order.get(key)!.push(seq);
        expect((m.raw as ServiceBusReceivedMessage).sessionId).toBe(key);
        await new Promise((resolve) => setTimeout(resolve, 100));
        inFlight--;
        busy.delete(key);
      },
      { concurrency: 3, waitSeconds: 1 },
    );
    await until(() => expect([...order.values()].flat()).toHaveLength(15));
    for (const key of keys) expect(order.get(key), key).toEqual([0, 1, 2, 3, 4]);
    expect(overlap).toBe(false);
    expect(most).toBeGreaterThanOrEqual(2); // sessions are consumed concurrently
    await consumer.close();
  });

  it('hands out one message per session at a time, the next only after the first is settled', async () => {
    const driver = env.driver();
    const q = defineQueue(env.name('one'), { ordering: true });
    await driver.provision(topologyOf([q], driver.capabilities));
    const spec = specOf(q, driver.capabilities);
    await driver.send(spec, [
      { body: '0', attributes: {}, orderingKey: 'k', id: 'k0' },
      { body: '1', attributes: {}, orderingKey: 'k', id: 'k1' },
    ]);
    const receiver = driver.openReceiver(spec, { maxInFlight: 4, leaseSeconds: 30 });
    const [first] = await receiveN(receiver, 1);
    expect(first!.id).toBe('k0');
    expect(first!.orderingKey).toBe('k');
    expect(await receiver.receive(4, { waitSeconds: 1 })).toEqual([]);
    await first!.ack();
    const [second] = await receiveN(receiver, 1);
    expect(second!.id).toBe('k1');
    await second!.ack();
    await receiver.close();
  });

  it('a delayed release pauses the session: the same message comes back first, after the delay', async () => {
    const q = defineQueue(env.name('pause'), {
      ordering: true,
      retry: { initialDelaySeconds: 2, multiplier: 1, jitter: false },
    });
    const { bus } = env.bus([q]);
    await bus.provision();
    await bus.sendBatch(q, [
      { body: { key: 'k', seq: 0 }, orderingKey: 'k' },
      { body: { key: 'k', seq: 1 }, orderingKey: 'k' },
      { body: { key: 'j', seq: 0 }, orderingKey: 'j' },
    ]);
    const seen: { at: number; key: string; seq: number; attempt: number; raw: ServiceBusReceivedMessage }[] =
      [];
    const consumer = bus.consume(
      q,
      (m: ReceivedMessage<unknown>) => {
        const { key, seq } = m.body as Keyed;
        seen.push({ at: Date.now(), key, seq, attempt: m.attempt, raw: m.raw as ServiceBusReceivedMessage });
        if (key === 'k' && seq === 0 && m.attempt === 1) throw new Error('first try fails');
      },
      { concurrency: 2, waitSeconds: 1 },
    );
    await until(() => expect(seen).toHaveLength(4));
    const k = seen.filter((s) => s.key === 'k');
    expect(k.map((s) => [s.seq, s.attempt])).toEqual([
      [0, 1],
      [0, 2],
      [1, 1],
    ]);
    expect(k[1]!.at - k[0]!.at).toBeGreaterThanOrEqual(1_700);
    expect(k[1]!.raw.messageId).toBe(k[0]!.raw.messageId); // the message itself, not a copy
    expect(k[1]!.raw.deliveryCount).toBe(1);
    const j = seen.find((s) => s.key === 'j')!;
    expect(j.at).toBeLessThan(k[1]!.at); // other sessions go on meanwhile
    await consumer.close();
  });

  it('an idle session goes back to the broker, where another consumer picks it up', async () => {
    const q = defineQueue(env.name('idle'), { ordering: true });
    const { bus } = env.bus([q]);
    await bus.provision();
    const got: string[] = [];
    const consumer = bus.consume(q, (m: ReceivedMessage<unknown>) => void got.push((m.body as Keyed).key), {
      waitSeconds: 1,
    });
    await bus.send(q, { key: 'x', seq: 0 }, { orderingKey: 'x' });
    await until(() => expect(got).toEqual(['x']));
    // Still running, the consumer has let session x go once it ran dry: another receiver can lock it now.
    const session = await until(() => env.plain().acceptSession(q.name, 'x'), 5_000);
    expect(session.sessionId).toBe('x');
    await session.close();
    await consumer.close();
  });

  it('ordered subscriptions are session-enabled; each gets every key in order', async () => {
    const t = defineTopic(env.name('otopic'), { ordering: true });
    const a = t.subscription('a');
    const { bus } = env.bus([t]);
    await bus.provision();
    await bus.publishBatch(
      t,
      [0, 1, 2, 3].map((seq) => ({
        body: { key: seq % 2 ? 'odd' : 'even', seq },
        orderingKey: seq % 2 ? 'odd' : 'even',
      })),
    );
    const seen: Keyed[] = [];
    const consumer = bus.consume(a, (m: ReceivedMessage<unknown>) => void seen.push(m.body as Keyed), {
      concurrency: 2,
      waitSeconds: 1,
    });
    await until(() => expect(seen).toHaveLength(4));
    expect(seen.filter((s) => s.key === 'even').map((s) => s.seq)).toEqual([0, 2]);
    expect(seen.filter((s) => s.key === 'odd').map((s) => s.seq)).toEqual([1, 3]);
    await consumer.close();
  });

  it("an ordered queue's dead letters are read from its (sessionless) dead-letter sub-queue, keys kept", async () => {
    const q = defineQueue(env.name('odl'), { ordering: true, maxAttempts: 1 });
    const { bus, driver } = env.bus([q]);
    await bus.provision();
    await bus.send(q, { key: 'k', seq: 0 }, { orderingKey: 'k' });
    const consumer = bus.consume(
      q,
      () => {
        throw new Error('always');
      },
      { waitSeconds: 1 },
    );
    const dlq = driver.openReceiver(specOf(q.deadLetter!, driver.capabilities), {
      maxInFlight: 1,
      leaseSeconds: 30,
    });
    const [d] = await receiveN(dlq, 1);
    expect(d!.orderingKey).toBe('k');
    expect(d!.attributes.omnibus_dead_letter).toContain('max-attempts');
    await d!.ack();
    await dlq.close();
    await consumer.close();
  });

  it('a handler longer than the session lock keeps it (the bus renews the session lock): handled once', async () => {
    const q = defineQueue(env.name('slow'), { ordering: true, leaseSeconds: 5 });
    const { bus } = env.bus([q]);
    await bus.provision();
    await bus.send(q, { key: 's', seq: 0 }, { orderingKey: 's' });
    let calls = 0;
    let done = 0;
    const consumer = bus.consume(
      q,
      async () => {
        calls++;
        await new Promise((resolve) => setTimeout(resolve, 8_000));
        done++;
      },
      { waitSeconds: 1 },
    );
    await until(() => expect(done).toBe(1), 20_000);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(calls).toBe(1);
    expect(env.twin.getRuntimeProperties(q.name).activeMessageCount).toBe(0);
    await consumer.close();
  }, 30_000);
});
