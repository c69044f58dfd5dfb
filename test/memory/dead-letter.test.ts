import { describe, expect, it } from 'vitest';
import { memory } from '../../adapters/memory/driver.js';
import type { MemoryRawMessage } from '../../adapters/memory/message.js';
import { LEASE_LOST } from '../../adapters/memory/store.js';
import { VirtualClock } from '../../adapters/memory/virtual-clock.js';
import { encodeMeta } from '../../core/attributes.js';
import { readEnvelope } from '../../core/envelope.js';
import { NotFoundError } from '../../core/errors.js';
import { bodies, msg, queueSpec, subscriptionSpec, topicSpec } from './helpers.js';

const dlqSpec = queueSpec('q-dlq', { deadLetterOf: 'q' });

async function setup(options: { nativeDeadLetter?: boolean; maxDeliveries?: number } = {}) {
  const clock = new VirtualClock(0);
  const driver = memory({ clock, nativeDeadLetter: options.nativeDeadLetter ?? true });
  const spec = queueSpec('q', {
    leaseSeconds: 10,
    maxDeliveries: options.maxDeliveries ?? 2,
    deadLetterQueue: 'q-dlq',
  });
  await driver.provision({ queues: [spec, dlqSpec], topics: [], subscriptions: [] });
  const receiver = driver.openReceiver(spec, { maxInFlight: 10, leaseSeconds: 10 });
  const dlq = driver.openReceiver(dlqSpec, { maxInFlight: 10, leaseSeconds: 10 });
  return { clock, driver, spec, receiver, dlq };
}

describe('memory twin: dead-lettering', () => {
  it('moves a message natively after maxDeliveries, the moment its last lease expires, with the envelope', async () => {
    const { clock, driver, spec, receiver, dlq } = await setup();
    const [sent] = await driver.send(spec, [msg('poison', { attributes: { region: 'eu' } })]);
    const [first] = await receiver.receive(1, { waitSeconds: 0 });
    await clock.advance(10_000);
    const [second] = await receiver.receive(1, { waitSeconds: 0 });
    expect(second?.deliveryCount).toBe(2);
    await clock.advance(10_000); // no receive on the source: the expiry timer moves it
    expect(driver.inspect('q').total).toBe(0);
    expect(driver.inspect('q-dlq')).toEqual({ ready: 1, inFlight: 0, delayed: 0, total: 1 });
    const [dead] = await dlq.receive(1, { waitSeconds: 0 });
    expect(dead?.id).toBe(sent?.ok ? sent.id : undefined);
    expect(dead?.body).toBe('poison');
    expect(dead?.attributes.region).toBe('eu');
    const envelope = readEnvelope(dead?.attributes ?? {});
    expect(envelope).toMatchObject({ reason: 'max-deliveries', attempts: 2, source: 'q', redrives: 0 });
    expect(envelope?.originalId).toBe(dead?.id);
    expect(envelope?.firstFailureAt).toBe(new Date(0).toISOString());
    expect((dead!.raw as MemoryRawMessage).deadLetter).toMatchObject({
      reason: 'max-deliveries',
      source: 'q',
    });
    await expect(first?.ack()).rejects.toMatchObject({ code: LEASE_LOST });
    await expect(second?.ack()).rejects.toMatchObject({ code: LEASE_LOST });
  });

  it('moves at release time when the deliveries are used up', async () => {
    const { driver, spec, receiver } = await setup({ maxDeliveries: 1 });
    await driver.send(spec, [msg('x')]);
    const [d] = await receiver.receive(1, { waitSeconds: 0 });
    await d?.release(30);
    expect(driver.inspect('q').total).toBe(0);
    expect(driver.inspect('q-dlq').ready).toBe(1);
  });

  it('replaces the omnibus_meta attribute with the envelope and counts carried attempts', async () => {
    const { driver, spec, receiver, dlq } = await setup({ maxDeliveries: 1 });
    await driver.send(spec, [
      msg('x', { attributes: { omnibus_meta: encodeMeta({ attempts: 3, originalId: 'o-1' }) } }),
    ]);
    const [d] = await receiver.receive(1, { waitSeconds: 0 });
    await d?.release(0);
    const [dead] = await dlq.receive(1, { waitSeconds: 0 });
    expect(dead?.attributes.omnibus_meta).toBeUndefined();
    expect(readEnvelope(dead?.attributes ?? {})).toMatchObject({ attempts: 4, originalId: 'o-1' });
  });

  it('deadLetter() moves the message with the given attributes, body untouched', async () => {
    const { driver, spec, receiver, dlq } = await setup();
    await driver.send(spec, [msg('{"a":1}', { attributes: { k: 'v' } })]);
    const [d] = await receiver.receive(1, { waitSeconds: 0 });
    expect(typeof d?.deadLetter).toBe('function');
    await d?.deadLetter?.({
      reason: 'validation',
      description: 'ValidationError: body is invalid',
      attributes: { k: 'v', omnibus_dead_letter: '{"reason":"validation"}' },
    });
    expect(driver.inspect('q').total).toBe(0);
    const [dead] = await dlq.receive(1, { waitSeconds: 0 });
    expect(dead?.body).toBe('{"a":1}');
    expect(dead?.attributes).toEqual({ k: 'v', omnibus_dead_letter: '{"reason":"validation"}' });
    expect((dead!.raw as MemoryRawMessage).deadLetter).toEqual({
      reason: 'validation',
      description: 'ValidationError: body is invalid',
      source: 'q',
    });
    await expect(d?.ack()).rejects.toMatchObject({ code: LEASE_LOST });
  });

  it('redrive-only mode has no deliveries with deadLetter, but still moves after maxDeliveries', async () => {
    const { clock, driver, spec, receiver } = await setup({ nativeDeadLetter: false, maxDeliveries: 1 });
    expect(driver.capabilities.deadLetter.withReason).toBe(false);
    await driver.send(spec, [msg('x')]);
    const [d] = await receiver.receive(1, { waitSeconds: 0 });
    expect(d !== undefined && 'deadLetter' in d).toBe(false);
    await clock.advance(10_000);
    expect(driver.inspect('q-dlq').total).toBe(1);
  });

  it('never loses a message whose dead-letter queue does not exist: it keeps being redelivered', async () => {
    const clock = new VirtualClock(0);
    const driver = memory({ clock });
    const spec = queueSpec('orphan', { leaseSeconds: 10, maxDeliveries: 1, deadLetterQueue: 'missing-dlq' });
    await driver.provision({ queues: [spec], topics: [], subscriptions: [] });
    const receiver = driver.openReceiver(spec, { maxInFlight: 1, leaseSeconds: 10 });
    await driver.send(spec, [msg('x')]);
    const [d] = await receiver.receive(1, { waitSeconds: 0 });
    await expect(d?.deadLetter?.({ reason: 'r', description: 'd', attributes: {} })).rejects.toSatisfy(
      NotFoundError.isInstance,
    );
    await clock.advance(10_000);
    const [again] = await receiver.receive(1, { waitSeconds: 0 });
    expect(again?.deliveryCount).toBe(2);
  });

  it('dead-letters from a subscription with its path as the source', async () => {
    const clock = new VirtualClock(0);
    const driver = memory({ clock });
    const sub = subscriptionSpec('t', 's', {
      leaseSeconds: 10,
      maxDeliveries: 1,
      deadLetterQueue: 't-s-dlq',
    });
    await driver.provision({
      queues: [queueSpec('t-s-dlq')],
      topics: [topicSpec('t')],
      subscriptions: [sub],
    });
    await driver.send(topicSpec('t'), [msg('x')]);
    await driver.openReceiver(sub, { maxInFlight: 1, leaseSeconds: 10 }).receive(1, { waitSeconds: 0 });
    await clock.advance(10_000);
    const [dead] = await driver
      .openReceiver(queueSpec('t-s-dlq'), { maxInFlight: 1, leaseSeconds: 10 })
      .receive(1, { waitSeconds: 0 });
    expect(bodies([dead!])).toEqual(['x']);
    expect(readEnvelope(dead?.attributes ?? {})?.source).toBe('t/s');
  });
});

describe('memory twin: retention', () => {
  it('drops messages older than retention when they are next considered', async () => {
    const clock = new VirtualClock(0);
    const driver = memory({ clock });
    const spec = queueSpec('short', { retentionSeconds: 60 });
    await driver.provision({ queues: [spec], topics: [], subscriptions: [] });
    const receiver = driver.openReceiver(spec, { maxInFlight: 10, leaseSeconds: 30 });
    await driver.send(spec, [msg('old')]);
    await clock.advance(30_000);
    await driver.send(spec, [msg('young')]);
    await clock.advance(30_000); // old is exactly 60 s old, young 30 s
    expect(bodies(await receiver.receive(10, { waitSeconds: 0 }))).toEqual(['young']);
    expect(driver.inspect('short')).toEqual({ ready: 0, inFlight: 1, delayed: 0, total: 1 });
  });

  it('drops an in-flight message past retention when its lease expires', async () => {
    const clock = new VirtualClock(0);
    const driver = memory({ clock });
    const spec = queueSpec('short', { retentionSeconds: 60, leaseSeconds: 90 });
    await driver.provision({ queues: [spec], topics: [], subscriptions: [] });
    const receiver = driver.openReceiver(spec, { maxInFlight: 10, leaseSeconds: 90 });
    await driver.send(spec, [msg('x')]);
    const [d] = await receiver.receive(1, { waitSeconds: 0 });
    await clock.advance(90_000);
    expect(driver.inspect('short').total).toBe(0);
    await expect(d?.ack()).rejects.toMatchObject({ code: LEASE_LOST });
  });
});
