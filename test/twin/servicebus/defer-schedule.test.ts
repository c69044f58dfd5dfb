import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  expectServiceBusError,
  receiveCount,
  sleep,
  startTwinWithClient,
  type TwinContext,
  unique,
} from './helpers.js';

describe('twin servicebus: deferral', () => {
  let ctx: TwinContext;

  beforeAll(async () => {
    ctx = await startTwinWithClient();
  });

  afterAll(async () => {
    await ctx.close();
  });

  it('deferred messages leave the receive path and come back by sequence number, locked and marked deferred', async () => {
    const name = unique('defer');
    ctx.twin.createQueue(name);
    const sender = ctx.client.createSender(name);
    await sender.sendMessages([{ body: 'first' }, { body: 'second' }]);
    const receiver = ctx.client.createReceiver(name);
    const [first] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 2000 });
    expect(first?.body).toBe('first');
    await receiver.deferMessage(first!, { deferredBy: 'test' });
    const [second] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 2000 });
    expect(second?.body).toBe('second');
    await receiver.completeMessage(second!);
    expect(await receiver.receiveMessages(1, { maxWaitTimeInMs: 200 })).toEqual([]);

    const peeked = await receiver.peekMessages(10);
    expect(peeked.map((m) => [m.body, m.state])).toEqual([['first', 'deferred']]);
    expect(ctx.twin.getRuntimeProperties(name)).toMatchObject({
      deferredMessageCount: 1,
      activeMessageCount: 0,
    });

    const [deferred] = await receiver.receiveDeferredMessages(first!.sequenceNumber!);
    expect(deferred?.body).toBe('first');
    expect(deferred?.state).toBe('deferred');
    expect(deferred?.lockToken).toBeDefined();
    expect(deferred?.lockToken).not.toBe(first?.lockToken);
    expect(deferred?.applicationProperties).toEqual({ deferredBy: 'test' });
    await receiver.completeMessage(deferred!); // settled through $management (update-disposition)
    expect(ctx.twin.getRuntimeProperties(name)).toMatchObject({
      deferredMessageCount: 0,
      lockedMessageCount: 0,
    });
    expect(await receiver.peekMessages(10)).toEqual([]);
    await receiver.close();
    await sender.close();
  });

  it('abandoning a received deferred message keeps it deferred and counts a delivery', async () => {
    const name = unique('defer-abandon');
    ctx.twin.createQueue(name);
    const sender = ctx.client.createSender(name);
    await sender.sendMessages({ body: 'later' });
    const receiver = ctx.client.createReceiver(name);
    const [m] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 2000 });
    await receiver.deferMessage(m!);
    const [d1] = await receiver.receiveDeferredMessages([m!.sequenceNumber!]);
    expect(d1?.deliveryCount).toBe(0);
    await receiver.abandonMessage(d1!);
    expect(await receiver.receiveMessages(1, { maxWaitTimeInMs: 200 })).toEqual([]);
    const [d2] = await receiver.receiveDeferredMessages([m!.sequenceNumber!]);
    expect(d2?.deliveryCount).toBe(1);
    await receiver.deadLetterMessage(d2!, {
      deadLetterReason: 'GaveUp',
      deadLetterErrorDescription: 'deferred too long',
    });
    const dlq = ctx.client.createReceiver(name, {
      subQueueType: 'deadLetter',
      receiveMode: 'receiveAndDelete',
    });
    const [dead] = await dlq.receiveMessages(1, { maxWaitTimeInMs: 2000 });
    expect(dead?.body).toBe('later');
    expect(dead?.deadLetterReason).toBe('GaveUp');
    await dlq.close();
    await receiver.close();
    await sender.close();
  });

  it('receiving a sequence number that is not deferred fails with MessageNotFound', async () => {
    const name = unique('defer-missing');
    ctx.twin.createQueue(name);
    const sender = ctx.client.createSender(name);
    await sender.sendMessages({ body: 'active' });
    const receiver = ctx.client.createReceiver(name);
    const [peeked] = await receiver.peekMessages(1);
    await expectServiceBusError(receiver.receiveDeferredMessages(peeked!.sequenceNumber!), 'MessageNotFound');
    await expectServiceBusError(
      receiver.receiveDeferredMessages(peeked!.sequenceNumber!.add(1000)),
      'MessageNotFound',
    );
    const [m] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 2000 });
    expect(m?.deliveryCount).toBe(0);
    await receiver.completeMessage(m!);
    await receiver.close();
    await sender.close();
  });

  it('a receiveAndDelete receiver takes deferred messages out for good', async () => {
    const name = unique('defer-rad');
    ctx.twin.createQueue(name);
    const sender = ctx.client.createSender(name);
    await sender.sendMessages({ body: 'deferred once' });
    const locker = ctx.client.createReceiver(name);
    const [m] = await locker.receiveMessages(1, { maxWaitTimeInMs: 2000 });
    await locker.deferMessage(m!);
    const rad = ctx.client.createReceiver(name, { receiveMode: 'receiveAndDelete' });
    const [d] = await rad.receiveDeferredMessages(m!.sequenceNumber!);
    expect(d?.body).toBe('deferred once');
    expect(d?.lockToken).toBeUndefined();
    await expectServiceBusError(rad.receiveDeferredMessages(m!.sequenceNumber!), 'MessageNotFound');
    expect(ctx.twin.getRuntimeProperties(name)).toMatchObject({
      deferredMessageCount: 0,
      activeMessageCount: 0,
    });
    await rad.close();
    await locker.close();
    await sender.close();
  });
});

describe('twin servicebus: scheduled messages', () => {
  let ctx: TwinContext;

  beforeAll(async () => {
    ctx = await startTwinWithClient();
  });

  afterAll(async () => {
    await ctx.close();
  });

  it('scheduleMessages enqueues at the scheduled time and not before', { timeout: 15_000 }, async () => {
    const name = unique('sched');
    ctx.twin.createQueue(name);
    const sender = ctx.client.createSender(name);
    const at = new Date(Date.now() + 1500);
    const [seq] = await sender.scheduleMessages({ body: 'later', messageId: 'sched-1' }, at);
    expect(seq?.toNumber()).toBeGreaterThan(0);
    const receiver = ctx.client.createReceiver(name);
    const [peeked] = await receiver.peekMessages(1);
    expect(peeked?.state).toBe('scheduled');
    expect(peeked?.scheduledEnqueueTimeUtc?.getTime()).toBe(at.getTime());
    expect(await receiver.receiveMessages(1, { maxWaitTimeInMs: 300 })).toEqual([]);
    const [m] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 3000 });
    expect(Date.now()).toBeGreaterThanOrEqual(at.getTime() - 5);
    expect(m?.body).toBe('later');
    expect(m?.state).toBe('active');
    expect(m?.sequenceNumber?.toNumber()).toBe(seq?.toNumber());
    expect(m?.enqueuedTimeUtc?.getTime()).toBeGreaterThanOrEqual(at.getTime() - 5);
    await receiver.completeMessage(m!);
    await receiver.close();
    await sender.close();
  });

  it('cancelScheduledMessages prevents delivery; unknown or already enqueued ones fail with MessageNotFound', {
    timeout: 15_000,
  }, async () => {
    const name = unique('cancel');
    ctx.twin.createQueue(name);
    const sender = ctx.client.createSender(name);
    const at = new Date(Date.now() + 500);
    const seqs = await sender.scheduleMessages([{ body: 'keep' }, { body: 'drop' }], at);
    expect(seqs).toHaveLength(2);
    await sender.cancelScheduledMessages(seqs[1]!);
    expect(ctx.twin.stats().scheduled).toBeGreaterThanOrEqual(1);
    await expectServiceBusError(sender.cancelScheduledMessages(seqs[1]!), 'MessageNotFound');
    const receiver = ctx.client.createReceiver(name, { receiveMode: 'receiveAndDelete' });
    const got = await receiveCount(receiver, 2, 1500);
    expect(got.map((m) => m.body)).toEqual(['keep']);
    await expectServiceBusError(sender.cancelScheduledMessages(seqs[0]!), 'MessageNotFound');
    await receiver.close();
    await sender.close();
  });

  it('scheduled messages on a topic fan out to every subscription when due', {
    timeout: 15_000,
  }, async () => {
    const topic = unique('sched-topic');
    ctx.twin.createTopic(topic);
    ctx.twin.createSubscription(topic, 'a');
    ctx.twin.createSubscription(topic, 'b');
    const sender = ctx.client.createSender(topic);
    const at = Date.now() + 1000;
    await sender.scheduleMessages({ body: 'broadcast' }, new Date(at));
    if (Date.now() < at - 100) {
      expect(ctx.twin.getRuntimeProperties(topic)).toMatchObject({
        scheduledMessageCount: 1,
        activeMessageCount: 0,
      });
    }
    await sleep(Math.max(0, at - Date.now()) + 200);
    expect(ctx.twin.getRuntimeProperties(topic)).toMatchObject({
      scheduledMessageCount: 0,
      activeMessageCount: 2,
    });
    for (const sub of ['a', 'b']) {
      const receiver = ctx.client.createReceiver(topic, sub, { receiveMode: 'receiveAndDelete' });
      const [m] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 2000 });
      expect(m?.body).toBe('broadcast');
      await receiver.close();
    }
    await sender.close();
  });

  it('a message sent with scheduledEnqueueTimeUtc is scheduled instead of delivered at once', {
    timeout: 15_000,
  }, async () => {
    const name = unique('sched-send');
    ctx.twin.createQueue(name);
    const sender = ctx.client.createSender(name);
    const at = new Date(Date.now() + 1500);
    await sender.sendMessages({ body: 'delayed', scheduledEnqueueTimeUtc: at });
    const receiver = ctx.client.createReceiver(name, { receiveMode: 'receiveAndDelete' });
    expect(await receiver.receiveMessages(1, { maxWaitTimeInMs: 250 })).toEqual([]);
    const [m] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 3000 });
    expect(m?.body).toBe('delayed');
    expect(Date.now()).toBeGreaterThanOrEqual(at.getTime() - 5);
    await receiver.close();
    await sender.close();
  });
});
