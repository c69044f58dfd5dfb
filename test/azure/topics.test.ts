/**
 * Topics on the wire: server-side SQL rules from the neutral filter, redelivery to one subscription through the
 * routing rule (nothing reaches the others, the routing property never reaches the handler), delayed release on a
 * subscription, and interop both ways with a plain `ServiceBusClient`.
 */
import type { ServiceBusReceivedMessage } from '@azure/service-bus';
import { describe, expect, it } from 'vitest';
import {
  type Attributes,
  defineQueue,
  defineTopic,
  type ReceivedMessage,
  specOf,
  topologyOf,
} from '../../core/index.js';
import { receiveN, receivePlain, textOf, until, useTwin } from './support.js';

const env = useTwin();

describe('azure servicebus: topics and interop', () => {
  it('filters on the server: a raw receiver on a filtered subscription gets only matching messages', async () => {
    const driver = env.driver();
    const t = defineTopic(env.name('filt'));
    const sub = t.subscription('eu-gold', {
      filter: { region: 'eu', tier: { anyOf: ['gold'] }, total: { range: { gt: 10 } } },
    });
    const all = t.subscription('all');
    await driver.provision(topologyOf([t], driver.capabilities));
    const samples: Attributes[] = [
      { region: 'eu', tier: 'gold', total: 11 },
      { region: 'eu', tier: 'gold', total: 10 },
      { region: 'us', tier: 'gold', total: 50 },
      { region: 'eu', tier: 'silver', total: 50 },
      { region: 'eu', tier: 'gold', total: 99.5 },
    ];
    const outcomes = await driver.send(
      specOf(t, driver.capabilities),
      samples.map((attributes, i) => ({ body: String(i), attributes, id: `f-${i}` })),
    );
    expect(outcomes.every((o) => o.ok)).toBe(true);
    const everything = await receiveN(
      driver.openReceiver(specOf(all, driver.capabilities), { maxInFlight: 10, leaseSeconds: 30 }),
      5,
    );
    for (const d of everything) await d.ack();
    const receiver = driver.openReceiver(specOf(sub, driver.capabilities), {
      maxInFlight: 10,
      leaseSeconds: 30,
    });
    const got = await receiveN(receiver, 2);
    expect(await receiver.receive(10, { waitSeconds: 1 })).toEqual([]);
    expect(got.map((d) => textOf(d.body)).sort()).toEqual(['0', '4']);
    for (const d of got) await d.ack();
    await receiver.close();
  });

  it('redeliver puts a message onto one subscription only, without the routing property', async () => {
    const driver = env.driver();
    const t = defineTopic(env.name('redeliver'));
    const billing = t.subscription('billing', { filter: { kind: 'never-published' } });
    const audit = t.subscription('audit');
    await driver.provision(topologyOf([t], driver.capabilities));
    const [outcome] = await driver.redeliver!(specOf(billing, driver.capabilities), [
      { body: '{"id":"p-1"}', attributes: { k: 'v' }, id: 'r-1' },
    ]);
    expect(outcome).toEqual({ ok: true, id: 'r-1' });
    const [d] = await receiveN(
      driver.openReceiver(specOf(billing, driver.capabilities), { maxInFlight: 1, leaseSeconds: 30 }),
      1,
    );
    expect(d!.attributes).toEqual({ k: 'v' }); // the filter is bypassed; omnibus_to is not an attribute
    expect((d!.raw as ServiceBusReceivedMessage).applicationProperties?.omnibus_to).toBe('billing');
    await d!.ack();
    expect(env.twin.getRuntimeProperties(`${t.name}/Subscriptions/audit`).activeMessageCount).toBe(0);
    // A plain publish (no routing property) fans out by the filters as usual.
    await driver.send(specOf(t, driver.capabilities), [{ body: '{}', attributes: {}, id: 'p-2' }]);
    await until(() =>
      expect(env.twin.getRuntimeProperties(`${t.name}/Subscriptions/audit`).activeMessageCount).toBe(1),
    );
    expect(env.twin.getRuntimeProperties(`${t.name}/Subscriptions/billing`).activeMessageCount).toBe(0);
    void audit;
  });

  it('a delayed release on a subscription reaches that subscription only', async () => {
    const t = defineTopic(env.name('subretry'));
    const flaky = t.subscription('flaky', {
      retry: { initialDelaySeconds: 1, multiplier: 1, jitter: false },
    });
    const steady = t.subscription('steady');
    const { bus } = env.bus([t]);
    await bus.provision();
    const receipt = await bus.publish(t, { n: 1 });
    const flakySeen: number[] = [];
    const steadySeen: number[] = [];
    const a = bus.consume(
      flaky,
      (m: ReceivedMessage<unknown>) => {
        flakySeen.push(m.attempt);
        expect(m.id).toBe(receipt.id);
        if (m.attempt === 1) throw new Error('once');
      },
      { waitSeconds: 1 },
    );
    const b = bus.consume(steady, (m: ReceivedMessage<unknown>) => void steadySeen.push(m.attempt), {
      waitSeconds: 1,
    });
    await until(() => expect(flakySeen).toEqual([1, 2]));
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(steadySeen).toEqual([1]);
    await a.close();
    await b.close();
  });

  it('a plain client reads what Omnibus sends: body, content type, properties, ids, sessions', async () => {
    const q = defineQueue(env.name('toplain'));
    const ordered = defineQueue(env.name('toplainord'), { ordering: true });
    const { bus } = env.bus([q, ordered]);
    await bus.provision();
    const receipt = await bus.send(
      q,
      { a: 1, b: 'two' },
      { attributes: { k: 'v', n: 3, bin: Uint8Array.from([9]) } },
    );
    await bus.send(ordered, { o: true }, { orderingKey: 'cart-1' });
    const plain = env.plain();
    const [m] = await receivePlain(plain.createReceiver(q.name), 1);
    expect(m?.body).toEqual({ a: 1, b: 'two' }); // the SDK parses the JSON data section
    expect(m?.contentType).toBe('application/json');
    expect(m?.messageId).toBe(receipt.id);
    expect(m?.applicationProperties).toMatchObject({ k: 'v', n: 3 });
    expect(Object.keys(m?.applicationProperties ?? {}).some((k) => k.startsWith('omnibus_'))).toBe(false);
    const session = await plain.acceptSession(ordered.name, 'cart-1');
    const [o] = await receivePlain(session, 1);
    expect(o?.body).toEqual({ o: true });
    await session.completeMessage(o!);
    await session.close();
  });

  it('Omnibus consumes what a plain client sends: object, string, bytes and value bodies; typed properties', async () => {
    const json = defineQueue(env.name('fromplain'));
    const text = defineQueue(env.name('fromplaint'), { format: 'text' });
    const bin = defineQueue(env.name('fromplainb'), { format: 'binary' });
    const { bus } = env.bus([json, text, bin]);
    await bus.provision();
    const plain = env.plain();
    await plain.createSender(json.name).sendMessages([
      {
        body: { order: 'o-1', items: [1, 2] },
        applicationProperties: { count: 2, flag: true, when: new Date(7) },
      },
      { body: 'a JSON string body', bodyType: 'value' },
    ]);
    await plain.createSender(text.name).sendMessages({ body: 'plain text from the JS SDK' });
    await plain.createSender(bin.name).sendMessages({ body: Buffer.from([0, 1, 254, 255]) });
    const seen = new Map<string, ReceivedMessage<unknown>[]>();
    const record = (name: string) => (m: ReceivedMessage<unknown>) => {
      seen.set(name, [...(seen.get(name) ?? []), m]);
    };
    const consumers = [
      bus.consume(json, record('json'), { waitSeconds: 1 }),
      bus.consume(text, record('text'), { waitSeconds: 1 }),
      bus.consume(bin, record('bin'), { waitSeconds: 1 }),
    ];
    await until(() => {
      expect(seen.get('json')).toHaveLength(2);
      expect(seen.get('text')).toHaveLength(1);
      expect(seen.get('bin')).toHaveLength(1);
    });
    const [object, value] = seen.get('json')!;
    expect(object!.body).toEqual({ order: 'o-1', items: [1, 2] });
    expect(object!.attributes).toEqual({ count: 2, flag: 'true', when: 7 });
    expect(object!.attempt).toBe(1);
    expect(typeof object!.id).toBe('string');
    expect(value!.body).toBe('a JSON string body');
    expect(seen.get('text')![0]!.body).toBe('plain text from the JS SDK');
    expect(Buffer.from(seen.get('bin')![0]!.body as Uint8Array)).toEqual(Buffer.from([0, 1, 254, 255]));
    for (const c of consumers) await c.close();
  });
});
