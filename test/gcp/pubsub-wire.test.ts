/**
 * The GCP driver on the real wire: the Pub/Sub emulator started by the global setup. Every test uses unique names
 * (the emulator has no reset). Skips with one line when the emulator is missing; fails under CI=true.
 */
import { describe, expect, it } from 'vitest';
import { GCP_CAPABILITIES } from '../../adapters/gcp/index.js';
import {
  ConfigurationError,
  createBus,
  type Delivery,
  defineQueue,
  defineTopic,
  NotFoundError,
  type QueueSpec,
  type ReceivedMessage,
  type SubscriptionSpec,
  specOf,
  topologyOf,
} from '../../core/index.js';
import { describeWithEmulator, uniqueName } from '../support/emulators.js';
import { emulatorDriver, eventually, pause, plainClient, receiveN, text } from './helpers.js';

const caps = GCP_CAPABILITIES;

describeWithEmulator('pubsub', 'gcp pubsub: on the emulator', (emu) => {
  const topicName = (id: string) => `projects/${emu.projectId}/topics/${id}`;

  describe('provisioning', () => {
    it('gcp pubsub: provision creates topics, subscriptions and dead-letter topics idempotently', async () => {
      const driver = emulatorDriver(emu);
      const plain = plainClient(emu);
      const q = defineQueue(uniqueName('prov'), { leaseSeconds: 20, maxAttempts: 6 });
      const t = defineTopic(uniqueName('provt'));
      t.subscription('email', { filter: { channel: 'email' } });
      const topology = topologyOf([q, t], caps);
      await driver.provision(topology);
      await driver.provision(topology); // twice: harmless

      const [queueSub] = await plain.subscription(q.name).getMetadata();
      expect(queueSub.topic).toBe(topicName(q.name));
      expect(queueSub.ackDeadlineSeconds).toBe(20);
      // maxAttempts 6 + one delivery reserved for an emulated-delay hold (core's hold headroom on queues).
      expect(queueSub.deadLetterPolicy).toEqual({
        deadLetterTopic: topicName(`${q.name}-dlq`),
        maxDeliveryAttempts: 7,
      });
      expect(queueSub.expirationPolicy).toEqual({ ttl: null }); // never expires
      // The dead-letter topic has a subscription, or Pub/Sub would drop every dead letter.
      const [dlqSub] = await plain.subscription(`${q.name}-dlq`).getMetadata();
      expect(dlqSub.topic).toBe(topicName(`${q.name}-dlq`));
      expect(dlqSub.deadLetterPolicy).toBeNull();

      const [email] = await plain.subscription(`${t.name}-email`).getMetadata();
      expect(email.topic).toBe(topicName(t.name));
      expect(email.filter).toBe('attributes.channel = "email"');
      expect(email.deadLetterPolicy?.maxDeliveryAttempts).toBe(5);
      expect((await plain.subscription(`${t.name}-email-dlq`).exists())[0]).toBe(true);
    });

    it('gcp pubsub: provision updates mutable settings and refuses immutable differences', async () => {
      const driver = emulatorDriver(emu);
      const plain = plainClient(emu);
      const name = uniqueName('upd');
      await driver.provision(topologyOf([defineQueue(name, { leaseSeconds: 20, maxAttempts: 5 })], caps));
      await driver.provision(topologyOf([defineQueue(name, { leaseSeconds: 45, maxAttempts: 9 })], caps));
      const [meta] = await plain.subscription(name).getMetadata();
      expect(meta.ackDeadlineSeconds).toBe(45);
      expect(meta.deadLetterPolicy?.maxDeliveryAttempts).toBe(10); // 9 + one hold

      const t = defineTopic(uniqueName('imm'));
      t.subscription('s', { filter: { channel: 'email' } });
      await driver.provision(topologyOf([t], caps));
      const changed = defineTopic(t.name);
      changed.subscription('s', { filter: { channel: 'sms' } });
      await expect(driver.provision(topologyOf([changed], caps))).rejects.toThrow(ConfigurationError);
      await expect(driver.provision(topologyOf([changed], caps))).rejects.toThrow(/filter/);
      // A queue named like "<topic>-<subscription>" would share that subscription's id.
      const clash = defineQueue(`${t.name}-s`, { deadLetter: false });
      await expect(driver.provision(topologyOf([clash], caps))).rejects.toThrow(/attached to topic/);
    });
  });

  describe('queues', () => {
    it('gcp pubsub: publish, pull and ack', async () => {
      const driver = emulatorDriver(emu);
      const q = defineQueue(uniqueName('rt'), { deadLetter: false });
      await driver.provision(topologyOf([q], caps));
      const spec = specOf(q, caps);
      const before = Date.now();
      const outcomes = await driver.send(spec, [
        { body: '{"n":1}', attributes: { a: 'x', n: 7 } },
        { body: '{"n":2}', attributes: {} },
      ]);
      expect(outcomes.every((o) => o.ok)).toBe(true);
      const receiver = driver.openReceiver(spec, { maxInFlight: 10, leaseSeconds: 10 });
      const got = await receiveN(receiver, 2);
      expect(got.map(text).sort()).toEqual(['{"n":1}', '{"n":2}']);
      const first = got.find((d) => text(d) === '{"n":1}') as Delivery;
      expect(first.attributes).toEqual({ a: 'x', n: 7 });
      expect(first.deliveryCount).toBeUndefined(); // no dead-letter policy: Pub/Sub does not count
      expect(first.publishTime.getTime()).toBeGreaterThanOrEqual(before - 2000);
      expect(got.map((d) => d.id).sort()).toEqual(outcomes.map((o) => (o.ok ? o.id : '')).sort());
      for (const d of got) await d.ack();
      // An acked message is gone: a nack of its (stale) ack id brings nothing back. A missed ack would redeliver now.
      for (const d of got) await d.release(0);
      expect(await receiver.receive(10, { waitSeconds: 1.5 })).toEqual([]);
      await receiver.close();
    });

    it('gcp pubsub: release with a delay goes through modifyAckDeadline', async () => {
      const driver = emulatorDriver(emu);
      const q = defineQueue(uniqueName('rel'), { deadLetter: false });
      await driver.provision(topologyOf([q], caps));
      const spec = specOf(q, caps);
      await driver.send(spec, [{ body: 'later', attributes: {} }]);
      const receiver = driver.openReceiver(spec, { maxInFlight: 1, leaseSeconds: 30 });
      const [d] = await receiveN(receiver, 1);
      const released = Date.now();
      await d!.release(3);
      expect(await receiver.receive(1, { waitSeconds: 1.5 })).toEqual([]); // not back early
      const [again] = await receiveN(receiver, 1, 10_000);
      expect(again?.id).toBe(d!.id);
      expect(Date.now() - released).toBeGreaterThanOrEqual(2_500);
      await again!.ack();
      await receiver.close();
    });

    it('gcp pubsub: buffered messages keep their lease while the consumer asks; extend holds a delivery', async () => {
      const driver = emulatorDriver(emu);
      const q = defineQueue(uniqueName('keep'), { ordering: true, maxAttempts: 5, leaseSeconds: 10 });
      await driver.provision(topologyOf([q], caps));
      const spec = specOf(q, caps);
      await driver.send(
        spec,
        ['m1', 'm2', 'm3'].map((body) => ({ body, attributes: {}, orderingKey: 'k' })),
      );
      const receiver = driver.openReceiver(spec, { maxInFlight: 10, leaseSeconds: 10 });
      const [head] = await receiveN(receiver, 1);
      expect(text(head!)).toBe('m1');
      await head!.extend(30);
      // m2 and m3 wait in the buffer behind their key's head, past the 10 s ack deadline, while the consumer asks.
      const until = Date.now() + 13_000;
      while (Date.now() < until) expect(await receiver.receive(10, { waitSeconds: 1 })).toEqual([]);
      await head!.ack();
      const rest = await receiveN(receiver, 1);
      expect(rest.map(text)).toEqual(['m2']);
      expect(rest[0]!.deliveryCount).toBe(1); // never redelivered while buffered
      await rest[0]!.ack();
      const last = await receiveN(receiver, 1);
      expect(last.map(text)).toEqual(['m3']);
      expect(last[0]!.deliveryCount).toBe(1);
      await last[0]!.ack();
      expect(await receiver.receive(5, { waitSeconds: 1 })).toEqual([]); // the extended head did not come back
      await receiver.close();
    }, 40_000);

    it('gcp pubsub: a receiver nobody asks for a whole lease hands its buffered messages back', async () => {
      const driver = emulatorDriver(emu);
      const q = defineQueue(uniqueName('idle'), { deadLetter: false, leaseSeconds: 10 });
      await driver.provision(topologyOf([q], caps));
      const spec = specOf(q, caps);
      await driver.send(spec, [
        { body: 'a', attributes: {} },
        { body: 'b', attributes: {} },
        { body: 'c', attributes: {} },
      ]);
      const busy = driver.openReceiver(spec, { maxInFlight: 1, leaseSeconds: 10 });
      const [taken] = await receiveN(busy, 1); // the emulator streams all three to this receiver
      await taken!.extend(60);
      await pause(1_000);
      const other = driver.openReceiver(spec, { maxInFlight: 5, leaseSeconds: 10 });
      expect(await other.receive(5, { waitSeconds: 2 })).toEqual([]); // held by the first receiver's buffer…
      const back = await receiveN(other, 2, 20_000); // …until it has gone a lease without being asked
      expect(back.map(text).sort()).toEqual(['a', 'b', 'c'].filter((b) => b !== text(taken!)));
      for (const d of [taken!, ...back]) await d.ack();
      await busy.close();
      await other.close();
    }, 40_000);

    it('gcp pubsub: a queue is one shared subscription: competing consumers split the messages', async () => {
      const q = defineQueue(uniqueName('compete'), { deadLetter: false });
      const seen: Record<'a' | 'b', number[]> = { a: [], b: [] };
      const busA = createBus({ adapter: emulatorDriver(emu), declarations: [q] });
      const busB = createBus({ adapter: emulatorDriver(emu), declarations: [q] });
      await busA.provision();
      const handler = (who: 'a' | 'b') => async (m: ReceivedMessage<unknown>) => {
        seen[who].push((m.body as { i: number }).i);
        await pause(20);
      };
      busA.consume(q, handler('a'), { concurrency: 2, waitSeconds: 1 });
      busB.consume(q, handler('b'), { concurrency: 2, waitSeconds: 1 });
      await pause(1000); // both streams open
      // One publish call each: the emulator (which ignores stream flow control) spreads separate publishes.
      for (let i = 0; i < 30; i++) await busA.send(q, { i });
      await eventually(() => expect(seen.a.length + seen.b.length).toBe(30));
      await pause(1000);
      const all = [...seen.a, ...seen.b].sort((x, y) => x - y);
      expect(all).toEqual(Array.from({ length: 30 }, (_, i) => i)); // each message once, none fanned out
      expect(seen.a.length).toBeGreaterThan(0);
      expect(seen.b.length).toBeGreaterThan(0);
      await busA.close();
      await busB.close();
    });

    it('gcp pubsub: unprovisioned entities are NotFoundError on send and receive', async () => {
      const driver = emulatorDriver(emu);
      const q = defineQueue(uniqueName('missing'), { deadLetter: false });
      const bus = createBus({ adapter: driver, declarations: [q] });
      await expect(bus.send(q, { n: 1 })).rejects.toThrow(NotFoundError);
      const receiver = driver.openReceiver(specOf(q, caps), { maxInFlight: 1, leaseSeconds: 10 });
      await expect(
        (async () => {
          for (let i = 0; i < 20; i++) await receiver.receive(1, { waitSeconds: 0.5 });
        })(),
      ).rejects.toThrow(NotFoundError);
      await receiver.close();
    });
  });

  describe('dead-lettering', () => {
    it('gcp pubsub: the dead-letter policy counts attempts and moves a message after 5 deliveries', async () => {
      const driver = emulatorDriver(emu);
      const t = defineTopic(uniqueName('dlp'));
      const sub = t.subscription('s', { maxAttempts: 5 });
      await driver.provision(topologyOf([t], caps));
      const spec = specOf(sub, caps);
      expect(spec.maxDeliveries).toBe(5);
      await driver.send(specOf(t, caps), [{ body: 'poison', attributes: { k: 'v' } }]);
      const receiver = driver.openReceiver(spec, { maxInFlight: 1, leaseSeconds: 10 });
      for (let attempt = 1; attempt <= 5; attempt++) {
        const [d] = await receiveN(receiver, 1);
        expect(d?.deliveryCount).toBe(attempt);
        await d!.release(0); // never settled successfully
      }
      const dlq = driver.openReceiver(specOf(sub.deadLetter!, caps), { maxInFlight: 1, leaseSeconds: 10 });
      const [dead] = await receiveN(dlq, 1);
      expect(text(dead!)).toBe('poison');
      expect(dead!.attributes.k).toBe('v');
      expect(dead!.attributes.CloudPubSubDeadLetterSourceDeliveryCount).toBe('5');
      await dead!.ack();
      expect(await receiver.receive(1, { waitSeconds: 1.5 })).toEqual([]);
      await receiver.close();
      await dlq.close();
    });

    it('gcp pubsub: the bus dead-letters with the envelope before the broker does', async () => {
      const q = defineQueue(uniqueName('env'), { maxAttempts: 2, retry: { initialDelaySeconds: 0 } });
      const bus = createBus({ adapter: emulatorDriver(emu), declarations: [q] });
      await bus.provision();
      const attempts: number[] = [];
      bus.consume(
        q,
        async (m) => {
          attempts.push(m.attempt);
          throw new Error('always fails');
        },
        { waitSeconds: 1 },
      );
      const dead: ReceivedMessage<unknown>[] = [];
      bus.consume(q.deadLetter!, async (m) => void dead.push(m), { waitSeconds: 1 });
      await bus.send(q, { order: 1 }, { attributes: { tenant: 't1' } });
      await eventually(() => expect(dead).toHaveLength(1));
      expect(attempts).toEqual([1, 2]); // maxAttempts 2 < Pub/Sub's minimum 5: the bus dead-letters at 2
      expect(dead[0]!.body).toEqual({ order: 1 });
      expect(dead[0]!.attributes).toEqual({ tenant: 't1' });
      expect(dead[0]!.deadLetter?.reason).toBe('max-attempts');
      expect(dead[0]!.deadLetter?.attempts).toBe(2);
      await bus.close();
    });
  });

  describe('ordering', () => {
    it('gcp pubsub: ordering keys keep per-key order, across a failed attempt', async () => {
      const q = defineQueue(uniqueName('ord'), {
        ordering: true,
        deadLetter: false,
        retry: { initialDelaySeconds: 0 },
      });
      const bus = createBus({ adapter: emulatorDriver(emu), declarations: [q] });
      await bus.provision();
      const [meta] = await plainClient(emu).subscription(q.name).getMetadata();
      expect(meta.enableMessageOrdering).toBe(true);
      const handled: Record<string, number[]> = { A: [], B: [] };
      let failedOnce = false;
      bus.consume(
        q,
        async (m) => {
          const { key, seq } = m.body as { key: 'A' | 'B'; seq: number };
          if (key === 'A' && seq === 3 && !failedOnce) {
            failedOnce = true;
            throw new Error('transient');
          }
          handled[key]!.push(seq);
        },
        { concurrency: 4, waitSeconds: 1 },
      );
      const entries = [];
      for (let seq = 1; seq <= 8; seq++) {
        for (const key of ['A', 'B'] as const) entries.push({ body: { key, seq }, orderingKey: key });
      }
      await bus.sendBatch(q, entries);
      await eventually(() => {
        expect(handled.A).toHaveLength(8);
        expect(handled.B).toHaveLength(8);
      }, 30_000);
      expect(failedOnce).toBe(true);
      expect(handled.A).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
      expect(handled.B).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
      await bus.close();
    });

    it('gcp pubsub: an ordering key publishes again after a failed ordered publish (resumePublishing)', async () => {
      const q = defineQueue(uniqueName('resume'), { ordering: true, deadLetter: false });
      const bus = createBus({ adapter: emulatorDriver(emu), declarations: [q] });
      await expect(bus.send(q, { n: 1 }, { orderingKey: 'k' })).rejects.toThrow(NotFoundError);
      await bus.provision();
      await expect(bus.send(q, { n: 2 }, { orderingKey: 'k' })).resolves.toHaveProperty('id');
      await bus.close();
    });
  });

  describe('filters', () => {
    it('gcp pubsub: filtered delivery on the emulator (stored filter, client-side check)', async () => {
      const driver = emulatorDriver(emu);
      const t = defineTopic(uniqueName('flt'));
      const eu = t.subscription('eu', {
        filter: { region: 'eu', tier: { anyOf: ['gold', 'silver'] } },
        deadLetter: false,
      });
      const all = t.subscription('all', { deadLetter: false });
      let filtered = 0;
      const bus = createBus({
        adapter: driver,
        declarations: [t],
        hooks: { onFiltered: () => void filtered++ },
      });
      await bus.provision();
      const [meta] = await plainClient(emu).subscription(`${t.name}-eu`).getMetadata();
      expect(meta.filter).toBe(
        'attributes.region = "eu" AND (attributes.tier = "gold" OR attributes.tier = "silver")',
      );
      const onEu: unknown[] = [];
      const onAll: unknown[] = [];
      const euConsumer = bus.consume(eu, async (m) => void onEu.push(m.body), { waitSeconds: 1 });
      bus.consume(all, async (m) => void onAll.push(m.body), { waitSeconds: 1 });
      await bus.publish(t, { n: 1 }, { attributes: { region: 'eu', tier: 'gold' } });
      await bus.publish(t, { n: 2 }, { attributes: { region: 'us', tier: 'gold' } });
      await bus.publish(t, { n: 3 }, { attributes: { region: 'eu', tier: 'bronze' } });
      await eventually(() => expect(onAll).toHaveLength(3));
      // The emulator ignores the stored filter and delivers all three; the client-side check drops two.
      await eventually(() => expect(filtered).toBe(2));
      expect(onEu).toEqual([{ n: 1 }]);
      await euConsumer.close();
      // The dropped messages were acknowledged, not left to come back.
      const receiver = driver.openReceiver(specOf(eu, caps), { maxInFlight: 5, leaseSeconds: 10 });
      expect(await receiver.receive(5, { waitSeconds: 1.5 })).toEqual([]);
      await receiver.close();
      await bus.close();
    });
  });

  describe('interop', () => {
    it('gcp pubsub: a plain client publishes, Omnibus consumes', async () => {
      const q = defineQueue(uniqueName('inb'), { deadLetter: false });
      const bus = createBus({ adapter: emulatorDriver(emu), declarations: [q] });
      await bus.provision();
      const plain = plainClient(emu);
      const id = await plain.topic(q.name).publishMessage({
        data: Buffer.from(JSON.stringify({ from: 'plain' })),
        attributes: { n: '5', src: 'sdk' },
      });
      const got: ReceivedMessage<unknown>[] = [];
      bus.consume(q, async (m) => void got.push(m), { waitSeconds: 1 });
      await eventually(() => expect(got).toHaveLength(1));
      expect(got[0]!.id).toBe(id);
      expect(got[0]!.body).toEqual({ from: 'plain' });
      expect(got[0]!.attributes).toEqual({ n: '5', src: 'sdk' }); // no omnibus_types: strings stay strings
      expect(got[0]!.attempt).toBe(1);
      await bus.close();
    });

    it('gcp pubsub: Omnibus publishes, a plain client reads body and attributes', async () => {
      const t = defineTopic(uniqueName('outb'));
      const bus = createBus({ adapter: emulatorDriver(emu), declarations: [t] });
      await bus.provision();
      const plain = plainClient(emu);
      const subName = uniqueName('plain-sub');
      await plain.topic(t.name).createSubscription(subName);
      await bus.publish(
        t,
        { hello: 'world' },
        { attributes: { n: 5, sig: new Uint8Array([1, 2, 3]), s: 'x' } },
      );
      const message = await new Promise<{ data: Buffer; attributes: Record<string, string>; ack(): void }>(
        (resolve, reject) => {
          const sub = plain.subscription(subName);
          sub.on('error', reject);
          sub.once('message', (m) => {
            m.ack();
            void sub.close().then(() => resolve(m));
          });
        },
      );
      expect(JSON.parse(message.data.toString('utf8'))).toEqual({ hello: 'world' });
      expect(message.attributes).toEqual({ n: '5', sig: 'AQID', s: 'x', omnibus_types: 'n=n;b=sig' });
      await bus.close();
    });
  });

  describe('redelivery', () => {
    it('gcp pubsub: redeliver reaches one subscription of a topic, the others drop the copy', async () => {
      const driver = emulatorDriver(emu);
      const t = defineTopic(uniqueName('redel'));
      const a = t.subscription('a', { deadLetter: false });
      const b = t.subscription('b', { deadLetter: false });
      await driver.provision(topologyOf([t], caps));
      const specA = specOf(a, caps) as SubscriptionSpec;
      const specB = specOf(b, caps) as SubscriptionSpec;
      const ra = driver.openReceiver(specA, { maxInFlight: 5, leaseSeconds: 10 });
      const rb = driver.openReceiver(specB, { maxInFlight: 5, leaseSeconds: 10 });
      const [outcome] = await driver.redeliver!(specA, [{ body: 'only-a', attributes: { k: 'v', n: 1 } }]);
      expect(outcome?.ok).toBe(true);
      const [copy] = await receiveN(ra, 1);
      expect(text(copy!)).toBe('only-a');
      expect(copy!.attributes).toEqual({ k: 'v', n: 1 }); // omnibus_target is the adapter's, not the user's
      await copy!.ack();
      expect(await rb.receive(5, { waitSeconds: 1.5 })).toEqual([]);
      // Control: a normal publish still reaches both.
      await driver.send(specOf(t, caps), [{ body: 'both', attributes: {} }]);
      expect((await receiveN(ra, 1)).map(text)).toEqual(['both']);
      expect((await receiveN(rb, 1)).map(text)).toEqual(['both']);
      await ra.close();
      await rb.close();
    });

    it('gcp pubsub: redeliver to a queue publishes to its topic', async () => {
      const driver = emulatorDriver(emu);
      const q = defineQueue(uniqueName('redq'), { deadLetter: false });
      await driver.provision(topologyOf([q], caps));
      const spec = specOf(q, caps) as QueueSpec;
      const [outcome] = await driver.redeliver!(spec, [{ body: 'back', attributes: {} }]);
      expect(outcome?.ok).toBe(true);
      const receiver = driver.openReceiver(spec, { maxInFlight: 1, leaseSeconds: 10 });
      const [d] = await receiveN(receiver, 1);
      expect(text(d!)).toBe('back');
      await d!.ack();
      await receiver.close();
    });
  });
});
