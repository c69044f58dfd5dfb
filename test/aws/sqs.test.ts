import {
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import { afterAll, expect, it } from 'vitest';
import { AWS_CAPABILITIES } from '../../adapters/aws/limits.js';
import { createBus } from '../../core/bus.js';
import { defineQueue } from '../../core/declarations.js';
import type { QueueSpec } from '../../core/driver.js';
import { LimitError, NotFoundError, ValidationError } from '../../core/errors.js';
import { specOf } from '../../core/plan.js';
import { describeWithEmulator, uniqueName } from '../support/emulators.js';
import { provision, receiveAtLeast, sdkClients, testDriver } from './support.js';

const caps = AWS_CAPABILITIES;

describeWithEmulator('aws', 'aws sqs driver on the wire', () => {
  const { sqs } = sdkClients();
  const driver = testDriver();
  afterAll(async () => {
    await driver.close();
    sqs.destroy();
  });

  const urlOf = async (name: string) =>
    (await sqs.send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl!;
  const attributesOf = async (name: string) =>
    (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: await urlOf(name), AttributeNames: ['All'] })))
      .Attributes ?? {};

  it('aws sqs: provision is idempotent and sets lease, retention and the redrive policy', async () => {
    const name = uniqueName('prov');
    const q = defineQueue(name, { leaseSeconds: 45, maxAttempts: 4, retentionSeconds: 3600 });
    await provision(driver, [q]);
    await provision(driver, [q]);
    const attrs = await attributesOf(name);
    expect(attrs.VisibilityTimeout).toBe('45');
    expect(attrs.MessageRetentionPeriod).toBe('3600');
    const dlqArn = (await attributesOf(`${name}-dlq`)).QueueArn;
    expect(JSON.parse(attrs.RedrivePolicy ?? '{}')).toEqual({
      deadLetterTargetArn: dlqArn,
      maxReceiveCount: 4,
    });
    // A changed declaration updates the existing queue.
    await provision(testDriver(), [
      defineQueue(name, { leaseSeconds: 60, maxAttempts: 4, retentionSeconds: 3600 }),
    ]);
    expect((await attributesOf(name)).VisibilityTimeout).toBe('60');
  });

  it('aws sqs: sends, receives with every attribute type, acks', async () => {
    const q = defineQueue(uniqueName('basic'), { deadLetter: false });
    await provision(driver, [q]);
    const spec = specOf(q, caps);
    const bytes = new Uint8Array([0, 1, 254, 255]);
    const out = await driver.send(spec, [
      { body: '{"n":1}', attributes: { s: 'é', n: -1.5, b: bytes } },
      { body: '{"n":2}', attributes: {} },
    ]);
    expect(out.every((o) => o.ok)).toBe(true);
    const receiver = driver.openReceiver(spec, { maxInFlight: 10, leaseSeconds: 30 });
    const got = await receiveAtLeast(receiver, 2);
    const first = got.find((d) => d.body === '{"n":1}');
    expect(first?.attributes).toEqual({ s: 'é', n: -1.5, b: bytes });
    expect(first?.deliveryCount).toBe(1);
    expect(first?.publishTime.getTime()).toBeGreaterThan(Date.now() - 60_000);
    expect(first?.id).toBe(out[0]?.ok ? out[0].id : undefined);
    expect(await receiver.receive(10, { waitSeconds: 0 })).toEqual([]);
    expect(await driver.depth!(spec)).toBe(0);
    await receiver.close();
  });

  it('aws sqs: a batch of 25 through the bus arrives whole (split into calls of 10)', async () => {
    const q = defineQueue(uniqueName('batch'), { deadLetter: false });
    const bus = createBus({ adapter: testDriver(), declarations: [q] });
    await bus.provision();
    const receipts = await bus.sendBatch(
      q,
      Array.from({ length: 25 }, (_, i) => ({ body: { i } })),
    );
    expect(new Set(receipts.map((r) => r.id)).size).toBe(25);
    const receiver = driver.openReceiver(specOf(q, caps), { maxInFlight: 10, leaseSeconds: 30 });
    const got = await receiveAtLeast(receiver, 25);
    expect(got.map((d) => JSON.parse(d.body as string).i).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 25 }, (_, i) => i),
    );
    await bus.close();
  });

  it('aws sqs: the driver splits a call by bytes as sent (base64 bodies)', async () => {
    const q = defineQueue(uniqueName('bytes'), { deadLetter: false, format: 'binary' });
    await provision(driver, [q]);
    const spec = specOf(q, caps);
    // 3 × 90,000 bytes = 270,000 raw (over 256 KiB per call in base64 alone): must go in more than one call.
    const body = new Uint8Array(90_000).fill(7);
    const out = await driver.send(
      spec,
      [0, 1, 2].map(() => ({ body, attributes: {} })),
    );
    expect(out.map((o) => o.ok)).toEqual([true, true, true]);
    const got = await receiveAtLeast(driver.openReceiver(spec, { maxInFlight: 10, leaseSeconds: 30 }), 3);
    expect(got.map((d) => (d.body as Uint8Array).byteLength)).toEqual([90_000, 90_000, 90_000]);
  });

  it('aws sqs: FIFO keeps order per key and reports the ordering key', async () => {
    const q = defineQueue(uniqueName('fifo'), { ordering: true, deadLetter: false });
    await provision(driver, [q]);
    const spec = specOf(q, caps);
    const messages = Array.from({ length: 12 }, (_, i) => ({
      body: JSON.stringify({ i }),
      attributes: {},
      orderingKey: i % 2 === 0 ? 'even' : 'odd',
      id: `m-${i}`,
    }));
    for (let i = 0; i < messages.length; i += 10) {
      const out = await driver.send(spec, messages.slice(i, i + 10));
      expect(out.every((o) => o.ok)).toBe(true);
    }
    const got = await receiveAtLeast(driver.openReceiver(spec, { maxInFlight: 10, leaseSeconds: 30 }), 12);
    for (const key of ['even', 'odd']) {
      const order = got.filter((d) => d.orderingKey === key).map((d) => JSON.parse(d.body as string).i);
      expect(order).toEqual([...order].sort((a, b) => a - b));
      expect(order).toHaveLength(6);
    }
  });

  it('aws sqs: a deduplicated queue drops a second message with the same dedup id', async () => {
    const q = defineQueue(uniqueName('dedup'), { deduplication: true, deadLetter: false });
    const bus = createBus({ adapter: testDriver(), declarations: [q] });
    await bus.provision();
    await bus.send(q, { a: 1 }, { dedupId: 'same' });
    await bus.send(q, { a: 2 }, { dedupId: 'same' });
    await bus.send(q, { a: 3 });
    const got = await receiveAtLeast(
      driver.openReceiver(specOf(q, caps), { maxInFlight: 10, leaseSeconds: 30 }),
      3,
      3000,
    );
    expect(got.map((d) => d.body).sort()).toEqual(['{"a":1}', '{"a":3}']);
    expect(got.every((d) => d.orderingKey === undefined)).toBe(true);
    await bus.close();
  });

  it('aws sqs: a delayed message is invisible until its delay has passed', async () => {
    const q = defineQueue(uniqueName('delay'), { deadLetter: false });
    await provision(driver, [q]);
    const spec = specOf(q, caps);
    const sentAt = Date.now();
    await driver.send(spec, [{ body: 'later', attributes: {}, delaySeconds: 2 }]);
    const receiver = driver.openReceiver(spec, { maxInFlight: 1, leaseSeconds: 30 });
    expect(await receiver.receive(1, { waitSeconds: 0 })).toEqual([]);
    const got = await receiveAtLeast(receiver, 1, 8000);
    expect(got).toHaveLength(1);
    expect(Date.now() - sentAt).toBeGreaterThanOrEqual(1900);
  });

  it('aws sqs: release makes a message visible again (at once or after a delay); extend keeps it hidden', async () => {
    const q = defineQueue(uniqueName('vis'), { deadLetter: false, leaseSeconds: 1 });
    await provision(driver, [q]);
    const spec = specOf(q, caps);
    await driver.send(spec, [{ body: 'x', attributes: {} }]);
    const receiver = driver.openReceiver(spec, { maxInFlight: 1, leaseSeconds: 1 });
    const [first] = await receiveAtLeast(receiver, 1, 5000, async () => {});
    await first!.release(0);
    const [second] = await receiveAtLeast(receiver, 1, 5000, async () => {});
    expect(second?.deliveryCount).toBe(2);
    await second!.release(2);
    expect(await receiver.receive(1, { waitSeconds: 1 })).toEqual([]);
    const [third] = await receiveAtLeast(receiver, 1, 8000, async () => {});
    expect(third?.deliveryCount).toBe(3);
    await third!.extend(5); // the 1 s lease would have ended
    await new Promise((r) => setTimeout(r, 1500));
    expect(await receiver.receive(1, { waitSeconds: 0 })).toEqual([]);
    await third!.ack();
  });

  it('aws sqs: the redrive policy moves a message to the dead-letter queue after maxAttempts receives', async () => {
    const q = defineQueue(uniqueName('redrive'), { maxAttempts: 1 });
    await provision(driver, [q]);
    const spec = specOf(q, caps);
    await driver.send(spec, [{ body: 'poison', attributes: { k: 'v' } }]);
    const receiver = driver.openReceiver(spec, { maxInFlight: 1, leaseSeconds: 30 });
    const [d] = await receiveAtLeast(receiver, 1, 5000, async () => {});
    await d!.release(0);
    expect(await receiver.receive(1, { waitSeconds: 1 })).toEqual([]);
    const dlq = driver.openReceiver(specOf(q.deadLetter!, caps), { maxInFlight: 1, leaseSeconds: 30 });
    const [dead] = await receiveAtLeast(dlq, 1, 5000);
    expect(dead?.body).toBe('poison');
    expect(dead?.attributes).toEqual({ k: 'v' });
  });

  it('aws sqs: the dead-letter queue of a deduplicated, unordered queue is FIFO and reachable', async () => {
    const q = defineQueue(uniqueName('dedupdlq'), { deduplication: true });
    await provision(driver, [q]);
    const dlqName = `${q.name}-dlq.fifo`;
    expect((await attributesOf(dlqName)).FifoQueue).toBe('true');
    // A fresh driver (no provisioning memory) finds it too, and the bus's dead-letter copy goes through.
    const fresh = testDriver();
    const dlqSpec = specOf(q.deadLetter!, caps);
    const [out] = await fresh.send(dlqSpec, [
      { body: 'dead', attributes: { omnibus_dead_letter: '{"reason":"x"}' } },
    ]);
    expect(out?.ok).toBe(true);
    const [dead] = await receiveAtLeast(fresh.openReceiver(dlqSpec, { maxInFlight: 1, leaseSeconds: 30 }), 1);
    expect(dead?.body).toBe('dead');
    await fresh.close();
  });

  it('aws sqs: an ordered queue delays through the bus (held with visibility), since FIFO refuses DelaySeconds', async () => {
    const q = defineQueue(uniqueName('fifodelay'), { ordering: true, deadLetter: false });
    const bus = createBus({ adapter: testDriver(), declarations: [q] });
    await bus.provision();
    const sentAt = Date.now();
    await bus.send(q, { late: true }, { delaySeconds: 2, orderingKey: 'k' });
    const handled = new Promise<{ at: number; attempt: number }>((resolve) => {
      bus.consume(q, async (m) => resolve({ at: Date.now(), attempt: m.attempt }), { waitSeconds: 1 });
    });
    const { at, attempt } = await handled;
    expect(at - sentAt).toBeGreaterThanOrEqual(1900);
    expect(attempt).toBe(1); // the hold is not an attempt
    await bus.close();
  });

  it('aws sqs: a per-message delay on a deduplicated (FIFO) queue is refused per message, naming delaySeconds', async () => {
    const q = defineQueue(uniqueName('deddelay'), { deduplication: true, deadLetter: false });
    await provision(driver, [q]);
    const spec = specOf(q, caps);
    const [refused, plain] = await driver.send(spec, [
      { body: 'late', attributes: {}, delaySeconds: 5, dedupId: 'a' },
      { body: 'now', attributes: {}, dedupId: 'b' },
    ]);
    expect(refused?.ok === false && ValidationError.isInstance(refused.error) && refused.error.field).toBe(
      'delaySeconds',
    );
    expect(plain?.ok).toBe(true);
    const got = await receiveAtLeast(driver.openReceiver(spec, { maxInFlight: 10, leaseSeconds: 30 }), 1);
    expect(got.map((d) => d.body)).toEqual(['now']);
  });

  it('aws sqs: a plain SDK message is consumable (interop in)', async () => {
    const q = defineQueue(uniqueName('interin'), { deadLetter: false });
    await provision(driver, [q]);
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: await urlOf(q.name),
        MessageBody: '{"from":"sdk"}',
        MessageAttributes: {
          region: { DataType: 'String', StringValue: 'eu' },
          total: { DataType: 'Number', StringValue: '12.50' },
          sig: { DataType: 'Binary', BinaryValue: new Uint8Array([9, 9]) },
        },
      }),
    );
    const bus = createBus({ adapter: testDriver(), declarations: [q] });
    const seen = new Promise<{ body: unknown; attributes: unknown }>((resolve) => {
      bus.consume(q, async (m) => resolve({ body: m.body, attributes: m.attributes }), { waitSeconds: 1 });
    });
    expect(await seen).toEqual({
      body: { from: 'sdk' },
      attributes: { region: 'eu', total: 12.5, sig: new Uint8Array([9, 9]) },
    });
    await bus.close();
  });

  it('aws sqs: an Omnibus message is readable by a plain SDK receive (interop out)', async () => {
    const q = defineQueue(uniqueName('interout'), { deadLetter: false });
    const b = defineQueue(uniqueName('interoutbin'), { deadLetter: false, format: 'binary' });
    const bus = createBus({ adapter: testDriver(), declarations: [q, b] });
    await bus.provision();
    await bus.send(q, { order: 'o-1' }, { attributes: { region: 'eu', total: 3, sig: new Uint8Array([1]) } });
    await bus.send(b, new Uint8Array([104, 105]));
    const out = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: await urlOf(q.name),
        MessageAttributeNames: ['All'],
        WaitTimeSeconds: 2,
      }),
    );
    const m = out.Messages?.[0];
    expect(m?.Body).toBe('{"order":"o-1"}');
    expect(m?.MessageAttributes).toEqual({
      region: { DataType: 'String', StringValue: 'eu' },
      total: { DataType: 'Number', StringValue: '3' },
      sig: { DataType: 'Binary', BinaryValue: new Uint8Array([1]) },
    });
    const bin = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: await urlOf(b.name), WaitTimeSeconds: 2 }),
    );
    expect(bin.Messages?.[0]?.Body).toBe('aGk='); // base64 of the bytes
    expect(bin.Messages?.[0]?.MessageAttributes).toBeUndefined(); // no attribute spent on the encoding
    await bus.close();
  });

  it('aws sqs: more than 10 attributes are refused before sending (moto would accept them)', async () => {
    const q = defineQueue(uniqueName('attrs'), { deadLetter: false });
    await provision(driver, [q]);
    const attributes = Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`a${i}`, 'v']));
    const [out] = await driver.send(specOf(q, caps), [{ body: 'x', attributes }]);
    expect(out?.ok === false && LimitError.isInstance(out.error)).toBe(true);
    expect(await driver.depth!(specOf(q, caps))).toBe(0);
  });

  it('aws sqs: a missing queue is a NotFoundError, per message on send and thrown on receive', async () => {
    const spec: QueueSpec = specOf(defineQueue(uniqueName('missing'), { deadLetter: false }), caps);
    const [out] = await driver.send(spec, [{ body: 'x', attributes: {} }]);
    expect(out?.ok === false && NotFoundError.isInstance(out.error)).toBe(true);
    const receiver = driver.openReceiver(spec, { maxInFlight: 1, leaseSeconds: 30 });
    await expect(receiver.receive(1, { waitSeconds: 0 })).rejects.toSatisfy(NotFoundError.isInstance);
  });

  it('aws sqs: an aborted long poll returns at once with nothing', async () => {
    const q = defineQueue(uniqueName('abort'), { deadLetter: false });
    await provision(driver, [q]);
    const receiver = driver.openReceiver(specOf(q, caps), { maxInFlight: 1, leaseSeconds: 30 });
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(), 200);
    expect(await receiver.receive(1, { waitSeconds: 10, signal: controller.signal })).toEqual([]);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('aws sqs: a message caught by an abandoned long poll goes to the next receive, not into hiding', async () => {
    const q = defineQueue(uniqueName('handover'), { deadLetter: false });
    await provision(driver, [q]);
    const spec = specOf(q, caps);
    const first = driver.openReceiver(spec, { maxInFlight: 1, leaseSeconds: 30 });
    const controller = new AbortController();
    const pending = first.receive(1, { waitSeconds: 5, signal: controller.signal });
    await new Promise((r) => setTimeout(r, 300));
    controller.abort();
    expect(await pending).toEqual([]);
    await first.close();
    // SQS still serves the abandoned poll: the message below goes to it, then on to the next receiver at once
    // (with a plain abort it would stay invisible for the 30 s lease).
    const second = driver.openReceiver(spec, { maxInFlight: 1, leaseSeconds: 30 });
    const waiting = second.receive(1, { waitSeconds: 5 });
    await driver.send(spec, [{ body: 'caught', attributes: {} }]);
    const started = Date.now();
    const got = await waiting;
    const all = got.length > 0 ? got : await receiveAtLeast(second, 1, 4000, async () => {});
    expect(all.map((d) => [d.body, d.deliveryCount])).toEqual([['caught', 1]]);
    expect(Date.now() - started).toBeLessThan(4000);
    await all[0]!.ack();
  });

  it('aws sqs: closing the driver makes messages held for a next receive visible again', async () => {
    const q = defineQueue(uniqueName('handclose'), { deadLetter: false });
    const own = testDriver();
    await provision(own, [q]);
    const spec = specOf(q, caps);
    const receiver = own.openReceiver(spec, { maxInFlight: 1, leaseSeconds: 30 });
    const controller = new AbortController();
    const pending = receiver.receive(1, { waitSeconds: 5, signal: controller.signal });
    await new Promise((r) => setTimeout(r, 300));
    controller.abort();
    expect(await pending).toEqual([]);
    await own.send(spec, [{ body: 'held', attributes: {} }]);
    await new Promise((r) => setTimeout(r, 500)); // the abandoned poll catches it
    await own.close();
    const got = await receiveAtLeast(
      driver.openReceiver(spec, { maxInFlight: 1, leaseSeconds: 30 }),
      1,
      4000,
    );
    expect(got.map((d) => d.body)).toEqual(['held']);
  });
});
