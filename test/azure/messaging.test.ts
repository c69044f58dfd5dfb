/**
 * Queues on the wire (the real SDK against the twin): send/receive/complete, batches packed by bytes, limits checked
 * before sending, scheduled delays, delayed release by a scheduled copy (attempts carried), native dead-lettering
 * with reason, description and envelope, duplicate detection, lost locks and missing entities.
 */
import type { ServiceBusReceivedMessage } from '@azure/service-bus';
import { describe, expect, it } from 'vitest';
import {
  type DriverMessage,
  decodeMeta,
  defineQueue,
  LimitError,
  NotFoundError,
  OmnibusError,
  type ReceivedMessage,
  readEnvelope,
  specOf,
  topologyOf,
} from '../../core/index.js';
import { receiveN, receivePlain, textOf, until, useTwin } from './support.js';

const env = useTwin();

describe('azure servicebus: queues', () => {
  it('send, receive and complete: typed attributes, 1-based delivery count, enqueued time, the SDK message as raw', async () => {
    const driver = env.driver();
    const q = defineQueue(env.name('basic'));
    await driver.provision(topologyOf([q], driver.capabilities));
    const spec = specOf(q, driver.capabilities);
    const before = Date.now();
    const [outcome] = await driver.send(spec, [
      { body: '{"a":1}', attributes: { s: 'x', n: 42.5, b: Uint8Array.from([0, 255]) }, id: 'id-basic' },
    ]);
    expect(outcome).toEqual({ ok: true, id: 'id-basic' });
    const receiver = driver.openReceiver(spec, { maxInFlight: 1, leaseSeconds: 30 });
    const [d] = await receiveN(receiver, 1);
    expect(d!.id).toBe('id-basic');
    expect(d!.body).toBe('{"a":1}');
    expect(d!.attributes).toEqual({ s: 'x', n: 42.5, b: Buffer.from([0, 255]) });
    expect(d!.deliveryCount).toBe(1);
    expect(d!.orderingKey).toBeUndefined();
    expect(d!.publishTime.getTime()).toBeGreaterThanOrEqual(before - 1_000);
    expect((d!.raw as ServiceBusReceivedMessage).messageId).toBe('id-basic');
    await d!.ack();
    expect(env.twin.getRuntimeProperties(q.name).activeMessageCount).toBe(0);
    await receiver.close();
  });

  it('packs a send into batches by the link byte limit; a message that fits no batch fails alone', async () => {
    const driver = env.driver();
    const q = defineQueue(env.name('bytes'), { format: 'text' });
    await driver.provision(topologyOf([q], driver.capabilities));
    const spec = specOf(q, driver.capabilities);
    const big = (i: number): DriverMessage => ({
      body: `${i}:${'x'.repeat(100_000)}`,
      attributes: {},
      id: `b-${i}`,
    });
    // 5 × 100 KB: more than one 256 KB batch; the driver splits, all arrive.
    const outcomes = await driver.send(spec, [0, 1, 2, 3, 4].map(big));
    expect(outcomes.map((o) => o.ok)).toEqual([true, true, true, true, true]);
    await until(() => expect(env.twin.getRuntimeProperties(q.name).activeMessageCount).toBe(5));
    // Over the link limit (the bus would refuse it first; the driver still reports it per message, sending the rest).
    const mixed = await driver.send(spec, [
      { body: 'small', attributes: {}, id: 'small-1' },
      { body: 'y'.repeat(262_144), attributes: {}, id: 'huge' },
      { body: 'small', attributes: {}, id: 'small-2' },
    ]);
    expect(mixed[0]).toEqual({ ok: true, id: 'small-1' });
    expect(mixed[2]).toEqual({ ok: true, id: 'small-2' });
    expect(mixed[1]?.ok).toBe(false);
    const error = (mixed[1] as unknown as { error: LimitError }).error;
    expect(LimitError.isInstance(error)).toBe(true);
    expect(error.limit).toBe(262_144);
    expect(error.actual).toBeGreaterThan(262_144);
    // Properties over the 64 KB header are refused before sending.
    const [header] = await driver.send(spec, [
      {
        body: 'h',
        attributes: { a: 'v'.repeat(32_000), b: 'w'.repeat(32_000), c: 'z'.repeat(4_000) },
        id: 'hdr',
      },
    ]);
    expect(header?.ok).toBe(false);
    expect((header as unknown as { error: LimitError }).error.field).toMatch(/^attributes/);
    await until(() => expect(env.twin.getRuntimeProperties(q.name).activeMessageCount).toBe(7));
  });

  it('a delay is a scheduled enqueue: nothing before it, then the message', async () => {
    const q = defineQueue(env.name('delay'));
    const { bus } = env.bus([q]);
    await bus.provision();
    const sentAt = Date.now();
    await bus.send(q, { late: true }, { delaySeconds: 2 });
    const receiver = env.plain().createReceiver(q.name);
    expect(await receiver.receiveMessages(1, { maxWaitTimeInMs: 1_000 })).toEqual([]);
    const [m] = await receivePlain(receiver, 1);
    expect(Date.now() - sentAt).toBeGreaterThanOrEqual(1_700);
    expect(m?.body).toEqual({ late: true });
    await receiver.completeMessage(m!);
    await receiver.close();
  });

  it('a delayed release sends a scheduled copy and completes the original: same logical id, attempts carried', async () => {
    const q = defineQueue(env.name('retry'), {
      retry: { initialDelaySeconds: 2, multiplier: 1, jitter: false },
    });
    const { bus } = env.bus([q]);
    await bus.provision();
    const receipt = await bus.send(q, { flaky: true }, { attributes: { tenant: 'acme' } });
    const seen: { at: number; m: ReceivedMessage<unknown> }[] = [];
    const consumer = bus.consume(
      q,
      (m) => {
        seen.push({ at: Date.now(), m });
        if (m.attempt < 3) throw new Error(`failure ${m.attempt}`);
      },
      { waitSeconds: 1 },
    );
    await until(() => expect(seen).toHaveLength(3));
    expect(seen.map((s) => s.m.attempt)).toEqual([1, 2, 3]);
    expect(seen.map((s) => s.m.id)).toEqual([receipt.id, receipt.id, receipt.id]);
    expect(seen[1]!.at - seen[0]!.at).toBeGreaterThanOrEqual(1_700);
    const raws = seen.map((s) => s.m.raw as ServiceBusReceivedMessage);
    expect(new Set(raws.map((r) => r.messageId)).size).toBe(3); // each copy is a new message
    expect(raws.map((r) => r.deliveryCount)).toEqual([0, 0, 0]); // its count starts again…
    expect(decodeMeta(raws[2]!.applicationProperties?.omnibus_meta as string)).toEqual({
      attempts: 2, // …and the attempts so far travel with it
      originalId: receipt.id,
    });
    for (const s of seen) expect(s.m.attributes).toEqual({ tenant: 'acme' });
    await consumer.close();
    await until(() => expect(env.twin.getRuntimeProperties(q.name).activeMessageCount).toBe(0));
    expect(env.twin.getRuntimeProperties(q.name).scheduledMessageCount).toBe(0);
  });

  it('dead-letters natively with the reason, the error as description, and the envelope as a property', async () => {
    const q = defineQueue(env.name('dl'), {
      maxAttempts: 2,
      retry: { initialDelaySeconds: 0, jitter: false },
    });
    const { bus } = env.bus([q]);
    await bus.provision();
    const receipt = await bus.send(q, { poison: 1 }, { attributes: { region: 'eu', level: 7 } });
    const consumer = bus.consume(
      q,
      () => {
        throw new TypeError('boom');
      },
      { name: 'charge', waitSeconds: 1 },
    );
    const dlq = env.plain().createReceiver(q.name, { subQueueType: 'deadLetter' });
    const [m] = await receivePlain(dlq, 1);
    expect(m?.body).toEqual({ poison: 1 });
    expect(m?.deadLetterReason).toBe('max-attempts');
    expect(m?.deadLetterErrorDescription).toBe('TypeError: boom');
    expect(m?.applicationProperties).toMatchObject({ region: 'eu', level: 7 });
    const envelope = readEnvelope({
      omnibus_dead_letter: m?.applicationProperties?.omnibus_dead_letter as string,
    });
    expect(envelope).toMatchObject({
      reason: 'max-attempts',
      attempts: 2,
      source: q.name,
      handler: 'charge',
      originalId: receipt.id,
    });
    await dlq.completeMessage(m!);
    await dlq.close();
    await consumer.close();
  });

  it('duplicate detection drops a second message with the same dedup id (MessageId = dedup id)', async () => {
    const q = defineQueue(env.name('dedup'), { deduplication: { windowSeconds: 60 } });
    const { bus } = env.bus([q]);
    await bus.provision();
    const a = await bus.send(q, { v: 1 }, { dedupId: 'order-7' });
    const b = await bus.send(q, { v: 2 }, { dedupId: 'order-7' });
    await bus.send(q, { v: 3 }, { dedupId: 'order-8' });
    expect([a.id, b.id]).toEqual(['order-7', 'order-7']);
    const receiver = env.plain().createReceiver(q.name);
    const got = await receivePlain(receiver, 2);
    expect(await receiver.receiveMessages(1, { maxWaitTimeInMs: 1_000 })).toEqual([]);
    expect(got.map((m) => [m.messageId, m.body])).toEqual([
      ['order-7', { v: 1 }],
      ['order-8', { v: 3 }],
    ]);
    for (const m of got) await receiver.completeMessage(m);
    await receiver.close();
  });

  it('settling after the lock expired is LEASE_LOST (not retryable); extend renews the lock', async () => {
    const driver = env.driver();
    const q = defineQueue(env.name('lock'), { leaseSeconds: 5 });
    await driver.provision(topologyOf([q], driver.capabilities));
    const spec = specOf(q, driver.capabilities);
    await driver.send(spec, [{ body: '1', attributes: {}, id: 'l-1' }]);
    const receiver = driver.openReceiver(spec, { maxInFlight: 1, leaseSeconds: 5 });
    const [d] = await receiveN(receiver, 1);
    await new Promise((resolve) => setTimeout(resolve, 3_500));
    await d!.extend(5);
    await new Promise((resolve) => setTimeout(resolve, 3_000)); // past the first lock, within the renewed one
    expect(await receiver.receive(1, { waitSeconds: 0 })).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const error = await d!.ack().catch((e: unknown) => e);
    expect(OmnibusError.isInstance(error)).toBe(true);
    expect((error as OmnibusError).code).toBe('LEASE_LOST');
    expect((error as OmnibusError).retryable).toBe(false);
    const [again] = await receiveN(receiver, 1);
    expect(textOf(again!.body)).toBe('1');
    expect(again!.deliveryCount).toBe(2);
    await again!.ack();
    await receiver.close();
  }, 30_000);

  it('missing entities are NotFoundErrors naming them, on send and on receive', async () => {
    const driver = env.driver();
    const q = defineQueue(env.name('ghost'));
    const spec = specOf(q, driver.capabilities);
    const [outcome] = await driver.send(spec, [{ body: 'x', attributes: {} }]);
    expect(outcome?.ok).toBe(false);
    const sendError = (outcome as unknown as { error: NotFoundError }).error;
    expect(NotFoundError.isInstance(sendError)).toBe(true);
    expect(sendError.entity).toContain(q.name);
    const receiver = driver.openReceiver(spec, { maxInFlight: 1, leaseSeconds: 30 });
    const receiveError = await receiver.receive(1, { waitSeconds: 1 }).catch((e: unknown) => e);
    expect(NotFoundError.isInstance(receiveError)).toBe(true);
    const dlqReceiver = driver.openReceiver(specOf(q.deadLetter!, driver.capabilities), {
      maxInFlight: 1,
      leaseSeconds: 30,
    });
    const dlqError = await dlqReceiver.receive(1, { waitSeconds: 1 }).catch((e: unknown) => e);
    expect(NotFoundError.isInstance(dlqError)).toBe(true);
    expect((dlqError as NotFoundError).entity).toContain('$DeadLetterQueue');
    await receiver.close();
    await dlqReceiver.close();
  });
});
