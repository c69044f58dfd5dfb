import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { receiveCount, sleep, startTwinWithClient, type TwinContext, unique } from './helpers.js';

describe('twin servicebus: dead-lettering and expiry', () => {
  let ctx: TwinContext;

  beforeAll(async () => {
    ctx = await startTwinWithClient();
  });

  afterAll(async () => {
    await ctx.close();
  });

  it('deadLetterMessage moves the message to $DeadLetterQueue with reason, description and extra properties', async () => {
    const name = unique('dlq');
    ctx.twin.createQueue(name);
    const sender = ctx.client.createSender(name);
    await sender.sendMessages({
      body: 'poison',
      messageId: 'p-1',
      applicationProperties: { origin: 'test' },
    });
    const receiver = ctx.client.createReceiver(name);
    const [m] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 2000 });
    await receiver.deadLetterMessage(m!, {
      deadLetterReason: 'ValidationFailed',
      deadLetterErrorDescription: 'amount must be positive',
      inspectedBy: 'validator',
    });
    expect(await receiver.receiveMessages(1, { maxWaitTimeInMs: 200 })).toEqual([]);
    expect(ctx.twin.getRuntimeProperties(name)).toMatchObject({
      activeMessageCount: 0,
      deadLetterMessageCount: 1,
    });

    const dlq = ctx.client.createReceiver(name, { subQueueType: 'deadLetter' });
    const [dead] = await dlq.receiveMessages(1, { maxWaitTimeInMs: 2000 });
    expect(dead?.body).toBe('poison');
    expect(dead?.messageId).toBe('p-1');
    expect(dead?.deadLetterReason).toBe('ValidationFailed');
    expect(dead?.deadLetterErrorDescription).toBe('amount must be positive');
    expect(dead?.deadLetterSource).toBe(name);
    expect(dead?.applicationProperties).toMatchObject({ origin: 'test', inspectedBy: 'validator' });
    expect(dead?.sequenceNumber?.toNumber()).toBe(m?.sequenceNumber?.toNumber());
    await dlq.completeMessage(dead!);
    expect(ctx.twin.getRuntimeProperties(name).deadLetterMessageCount).toBe(0);
    await dlq.close();
    await receiver.close();
    await sender.close();
  });

  it('exceeding maxDeliveryCount dead-letters with MaxDeliveryCountExceeded', async () => {
    const name = unique('mdc');
    ctx.twin.createQueue(name, { maxDeliveryCount: 3 });
    const sender = ctx.client.createSender(name);
    await sender.sendMessages({ body: 'always fails' });
    const receiver = ctx.client.createReceiver(name);
    for (let attempt = 0; attempt < 3; attempt++) {
      const [m] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 2000 });
      expect(m?.deliveryCount).toBe(attempt);
      await receiver.abandonMessage(m!);
    }
    expect(await receiver.receiveMessages(1, { maxWaitTimeInMs: 200 })).toEqual([]);
    const dlq = ctx.client.createReceiver(name, {
      subQueueType: 'deadLetter',
      receiveMode: 'receiveAndDelete',
    });
    const [dead] = await dlq.receiveMessages(1, { maxWaitTimeInMs: 2000 });
    expect(dead?.body).toBe('always fails');
    expect(dead?.deadLetterReason).toBe('MaxDeliveryCountExceeded');
    expect(dead?.deadLetterErrorDescription).toBe('Message could not be consumed after 3 delivery attempts.');
    expect(dead?.deadLetterSource).toBe(name);
    expect(dead?.deliveryCount).toBe(3);
    await dlq.close();
    await receiver.close();
    await sender.close();
  });

  it('lock expiries count as delivery attempts towards maxDeliveryCount', { timeout: 15_000 }, async () => {
    const name = unique('mdc-lock');
    ctx.twin.createQueue(name, { maxDeliveryCount: 2, lockDuration: 300 });
    const sender = ctx.client.createSender(name);
    await sender.sendMessages({ body: 'crashes' });
    const receiver = ctx.client.createReceiver(name, { maxAutoLockRenewalDurationInMs: 0 });
    const [first] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 2000 });
    expect(first?.deliveryCount).toBe(0);
    await sleep(450);
    const [second] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 2000 });
    expect(second?.deliveryCount).toBe(1);
    await sleep(450);
    expect(ctx.twin.getRuntimeProperties(name)).toMatchObject({
      activeMessageCount: 0,
      deadLetterMessageCount: 1,
    });
    const dlq = ctx.client.createReceiver(name, {
      subQueueType: 'deadLetter',
      receiveMode: 'receiveAndDelete',
    });
    const [dead] = await dlq.receiveMessages(1, { maxWaitTimeInMs: 2000 });
    expect(dead?.deadLetterReason).toBe('MaxDeliveryCountExceeded');
    await dlq.close();
    await receiver.close();
    await sender.close();
  });

  it('expired messages are dropped when dead-lettering on expiration is off', {
    timeout: 15_000,
  }, async () => {
    const name = unique('ttl-drop');
    ctx.twin.createQueue(name);
    const sender = ctx.client.createSender(name);
    await sender.sendMessages([
      { body: 'short', timeToLive: 250 },
      { body: 'long', timeToLive: 60_000 },
    ]);
    await sleep(450);
    expect(ctx.twin.getRuntimeProperties(name)).toMatchObject({
      activeMessageCount: 1,
      deadLetterMessageCount: 0,
    });
    const receiver = ctx.client.createReceiver(name, { receiveMode: 'receiveAndDelete' });
    const got = await receiveCount(receiver, 2, 600);
    expect(got.map((m) => m.body)).toEqual(['long']);
    await receiver.close();
    await sender.close();
  });

  it('expired messages go to the dead-letter queue with TTLExpiredException when enabled', {
    timeout: 15_000,
  }, async () => {
    const name = unique('ttl-dlq');
    ctx.twin.createQueue(name, { deadLetteringOnMessageExpiration: true });
    const sender = ctx.client.createSender(name);
    await sender.sendMessages({ body: 'stale', timeToLive: 250, messageId: 'stale-1' });
    await sleep(450);
    const dlq = ctx.client.createReceiver(name, { subQueueType: 'deadLetter' });
    const [dead] = await dlq.receiveMessages(1, { maxWaitTimeInMs: 2000 });
    expect(dead?.messageId).toBe('stale-1');
    expect(dead?.deadLetterReason).toBe('TTLExpiredException');
    expect(dead?.deadLetterErrorDescription).toBe('The message expired and was dead lettered.');
    expect(dead?.deadLetterSource).toBe(name);
    await dlq.completeMessage(dead!);
    await dlq.close();
    await sender.close();
  });

  it("the entity's defaultMessageTimeToLive caps a longer message TTL", { timeout: 15_000 }, async () => {
    const name = unique('ttl-cap');
    ctx.twin.createQueue(name, { defaultMessageTimeToLive: 'PT0.4S' });
    const sender = ctx.client.createSender(name);
    await sender.sendMessages({ body: 'capped', timeToLive: 3_600_000 });
    const peeker = ctx.client.createReceiver(name);
    const [peeked] = await peeker.peekMessages(1);
    expect(peeked?.timeToLive).toBe(400);
    expect((peeked?.expiresAtUtc?.getTime() ?? 0) - (peeked?.enqueuedTimeUtc?.getTime() ?? 0)).toBe(400);
    await sleep(600);
    expect(await peeker.peekMessages(1)).toEqual([]);
    await peeker.close();
    await sender.close();
  });

  it('subscriptions have their own dead-letter queue', async () => {
    const topic = unique('dl-topic');
    ctx.twin.createTopic(topic);
    ctx.twin.createSubscription(topic, 'audit');
    const sender = ctx.client.createSender(topic);
    await sender.sendMessages({ body: 'event' });
    const receiver = ctx.client.createReceiver(topic, 'audit');
    const [m] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 2000 });
    await receiver.deadLetterMessage(m!, {
      deadLetterReason: 'Unroutable',
      deadLetterErrorDescription: 'no handler',
    });
    const dlq = ctx.client.createReceiver(topic, 'audit', { subQueueType: 'deadLetter' });
    const [dead] = await dlq.receiveMessages(1, { maxWaitTimeInMs: 2000 });
    expect(dead?.body).toBe('event');
    expect(dead?.deadLetterReason).toBe('Unroutable');
    expect(dead?.deadLetterSource).toBe(`${topic}/Subscriptions/audit`);
    await dlq.completeMessage(dead!);
    await dlq.close();
    await receiver.close();
    await sender.close();
  });

  it('forwardDeadLetteredMessagesTo routes dead letters into another queue', async () => {
    const parking = unique('parking');
    const name = unique('fwd-dl');
    ctx.twin.createQueue(parking);
    ctx.twin.createQueue(name, { forwardDeadLetteredMessagesTo: parking });
    const sender = ctx.client.createSender(name);
    await sender.sendMessages({ body: 'to park' });
    const receiver = ctx.client.createReceiver(name);
    const [m] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 2000 });
    await receiver.deadLetterMessage(m!, { deadLetterReason: 'Parked', deadLetterErrorDescription: 'later' });
    const parked = ctx.client.createReceiver(parking, { receiveMode: 'receiveAndDelete' });
    const [p] = await parked.receiveMessages(1, { maxWaitTimeInMs: 2000 });
    expect(p?.body).toBe('to park');
    expect(p?.applicationProperties?.DeadLetterReason).toBe('Parked');
    expect(ctx.twin.getRuntimeProperties(name).deadLetterMessageCount).toBe(0);
    await parked.close();
    await receiver.close();
    await sender.close();
  });
});
