import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { receiveCount, startTwinWithClient, type TwinContext, unique } from './helpers.js';

describe('twin servicebus: duplicate detection and auto-forwarding', () => {
  let ctx: TwinContext;

  beforeAll(async () => {
    ctx = await startTwinWithClient();
  });

  afterAll(async () => {
    await ctx.close();
  });

  it('messages whose id was seen within the window are accepted and dropped (single sends and batches)', async () => {
    const name = unique('dedup');
    ctx.twin.createQueue(name, {
      requiresDuplicateDetection: true,
      duplicateDetectionHistoryTimeWindow: 'PT1M',
    });
    const sender = ctx.client.createSender(name);
    await sender.sendMessages({ body: 'original', messageId: 'order-1' });
    await sender.sendMessages({ body: 'retry', messageId: 'order-1' });
    await sender.sendMessages([
      { body: 'retry in batch', messageId: 'order-1' },
      { body: 'other', messageId: 'order-2' },
      { body: 'other again', messageId: 'order-2' },
    ]);
    const receiver = ctx.client.createReceiver(name, { receiveMode: 'receiveAndDelete' });
    const got = await receiveCount(receiver, 5, 1000);
    expect(got.map((m) => [m.messageId, m.body])).toEqual([
      ['order-1', 'original'],
      ['order-2', 'other'],
    ]);
    // consuming a message does not forget its id
    await sender.sendMessages({ body: 'late retry', messageId: 'order-1' });
    expect(await receiver.receiveMessages(1, { maxWaitTimeInMs: 200 })).toEqual([]);
    await receiver.close();
    await sender.close();
  });

  it('the same id is accepted again once the (default 10 minute) window has passed', async () => {
    let now = Date.now();
    const clocked = await startTwinWithClient({ clock: { now: () => now } });
    try {
      clocked.twin.createQueue('window', { requiresDuplicateDetection: true });
      const sender = clocked.client.createSender('window');
      await sender.sendMessages({ body: 1, messageId: 'same' });
      now += 9 * 60_000;
      await sender.sendMessages({ body: 2, messageId: 'same' });
      expect(clocked.twin.stats().duplicateIds).toBe(1);
      now += 61_000; // 10 min 1 s after the first send
      await sender.sendMessages({ body: 3, messageId: 'same' });
      const receiver = clocked.client.createReceiver('window', { receiveMode: 'receiveAndDelete' });
      const got = await receiveCount(receiver, 3, 1000);
      expect(got.map((m) => m.body)).toEqual([1, 3]);
      now += 11 * 60_000;
      expect(clocked.twin.stats().duplicateIds).toBe(0);
    } finally {
      await clocked.close();
    }
  });

  it('topics detect duplicates before fanning out; entities without detection keep every copy', async () => {
    const topic = unique('dedup-topic');
    const plain = unique('no-dedup');
    ctx.twin.createTopic(topic, { requiresDuplicateDetection: true });
    ctx.twin.createSubscription(topic, 'a');
    ctx.twin.createQueue(plain);
    const topicSender = ctx.client.createSender(topic);
    await topicSender.sendMessages({ body: 'event', messageId: 'evt-1' });
    await topicSender.sendMessages({ body: 'event', messageId: 'evt-1' });
    expect(ctx.twin.getRuntimeProperties(`${topic}/Subscriptions/a`).activeMessageCount).toBe(1);
    const plainSender = ctx.client.createSender(plain);
    await plainSender.sendMessages({ body: 'x', messageId: 'dup' });
    await plainSender.sendMessages({ body: 'x', messageId: 'dup' });
    expect(ctx.twin.getRuntimeProperties(plain).activeMessageCount).toBe(2);
    await topicSender.close();
    await plainSender.close();
  });

  it('forwardTo moves messages from a queue to a topic and from a subscription to a queue', async () => {
    const inbox = unique('inbox');
    const topic = unique('fwd-topic');
    const sink = unique('sink');
    ctx.twin.createQueue(sink);
    ctx.twin.createTopic(topic);
    ctx.twin.createSubscription(topic, 'to-sink', { forwardTo: sink });
    ctx.twin.createQueue(inbox, { forwardTo: topic });
    const sender = ctx.client.createSender(inbox);
    await sender.sendMessages({ body: 'hop hop', messageId: 'fwd-1' });
    const receiver = ctx.client.createReceiver(sink, { receiveMode: 'receiveAndDelete' });
    const [m] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 2000 });
    expect([m?.body, m?.messageId]).toEqual(['hop hop', 'fwd-1']);
    expect(ctx.twin.getRuntimeProperties(inbox).activeMessageCount).toBe(0);
    expect(ctx.twin.getRuntimeProperties(`${topic}/Subscriptions/to-sink`).activeMessageCount).toBe(0);
    await receiver.close();
    await sender.close();
  });
});
