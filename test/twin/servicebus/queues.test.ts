import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  expectServiceBusError,
  receiveCount,
  sleep,
  startTwinWithClient,
  type TwinContext,
  unique,
  waitFor,
} from './helpers.js';

describe('twin servicebus: queues', () => {
  let ctx: TwinContext;

  beforeAll(async () => {
    ctx = await startTwinWithClient();
  });

  afterAll(async () => {
    await ctx.close();
  });

  function queue(options: Parameters<TwinContext['twin']['createQueue']>[1] = {}): string {
    const name = unique('q');
    ctx.twin.createQueue(name, options);
    return name;
  }

  it('peek-lock receive preserves body, properties and broker annotations; complete removes the message', async () => {
    const name = queue({ lockDuration: 'PT30S' });
    const sender = ctx.client.createSender(name);
    const before = Date.now();
    await sender.sendMessages({
      body: { order: 42, items: ['a', 'b'] },
      messageId: 'msg-1',
      correlationId: 'corr-1',
      subject: 'order.created',
      to: 'shipping',
      replyTo: 'replies',
      contentType: 'application/json',
      timeToLive: 60_000,
      applicationProperties: { region: 'eu', amount: 12.5, count: 3, urgent: true },
    });
    const receiver = ctx.client.createReceiver(name);
    const [m] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 2000 });
    expect(m).toBeDefined();
    if (m === undefined) return;
    expect(m.body).toEqual({ order: 42, items: ['a', 'b'] });
    expect(m.messageId).toBe('msg-1');
    expect(m.correlationId).toBe('corr-1');
    expect(m.subject).toBe('order.created');
    expect(m.to).toBe('shipping');
    expect(m.replyTo).toBe('replies');
    expect(m.contentType).toBe('application/json');
    expect(m.applicationProperties).toEqual({ region: 'eu', amount: 12.5, count: 3, urgent: true });
    expect(m.deliveryCount).toBe(0);
    expect(m.state).toBe('active');
    expect(m.lockToken).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(m.sequenceNumber?.toNumber()).toBe(1);
    const enqueued = m.enqueuedTimeUtc?.getTime() ?? 0;
    expect(enqueued).toBeGreaterThanOrEqual(before - 5);
    expect((m.lockedUntilUtc?.getTime() ?? 0) - enqueued).toBeGreaterThanOrEqual(29_000);
    expect((m.expiresAtUtc?.getTime() ?? 0) - enqueued).toBe(60_000);
    expect(m.timeToLive).toBe(60_000);
    await receiver.completeMessage(m);
    expect(await receiver.receiveMessages(1, { maxWaitTimeInMs: 200 })).toEqual([]);
    expect(ctx.twin.getRuntimeProperties(name).activeMessageCount).toBe(0);
    await receiver.close();
    await sender.close();
  });

  it('array sends and message batches arrive in order with increasing sequence numbers', async () => {
    const name = queue();
    const sender = ctx.client.createSender(name);
    await sender.sendMessages([1, 2, 3, 4, 5].map((n) => ({ body: n })));
    const batch = await sender.createMessageBatch();
    for (const n of [6, 7, 8, 9, 10])
      expect(batch.tryAddMessage({ body: n, applicationProperties: { n } })).toBe(true);
    await sender.sendMessages(batch);
    const receiver = ctx.client.createReceiver(name, { receiveMode: 'receiveAndDelete' });
    const got = await receiveCount(receiver, 10);
    expect(got.map((m) => m.body)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(got[7]?.applicationProperties).toEqual({ n: 8 });
    const seqs = got.map((m) => m.sequenceNumber?.toNumber() ?? 0);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(got.map((m) => m.messageId)).size).toBe(10);
    await receiver.close();
    await sender.close();
  });

  it('receiveAndDelete removes messages on delivery and carries no lock token', async () => {
    const name = queue();
    const sender = ctx.client.createSender(name);
    await sender.sendMessages([{ body: 'a' }, { body: 'b' }, { body: 'c' }]);
    const receiver = ctx.client.createReceiver(name, { receiveMode: 'receiveAndDelete' });
    const got = await receiveCount(receiver, 3);
    expect(got.map((m) => m.body)).toEqual(['a', 'b', 'c']);
    expect(got.every((m) => m.lockToken === undefined)).toBe(true);
    expect(await receiver.receiveMessages(5, { maxWaitTimeInMs: 200 })).toEqual([]);
    expect(ctx.twin.getRuntimeProperties(name)).toMatchObject({
      activeMessageCount: 0,
      lockedMessageCount: 0,
    });
    await receiver.close();
    await sender.close();
  });

  it('abandon redelivers at once with deliveryCount + 1 and applies propertiesToModify', async () => {
    const name = queue();
    const sender = ctx.client.createSender(name);
    await sender.sendMessages({ body: 'retry me', applicationProperties: { keep: 'yes' } });
    const receiver = ctx.client.createReceiver(name);
    const [first] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 2000 });
    expect(first?.deliveryCount).toBe(0);
    await receiver.abandonMessage(first!, { attempt: 1 });
    const [second] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 2000 });
    expect(second?.body).toBe('retry me');
    expect(second?.deliveryCount).toBe(1);
    expect(second?.sequenceNumber?.toNumber()).toBe(first?.sequenceNumber?.toNumber());
    expect(second?.applicationProperties).toEqual({ keep: 'yes', attempt: 1 });
    expect(second?.lockToken).not.toBe(first?.lockToken);
    await receiver.completeMessage(second!);
    await receiver.close();
    await sender.close();
  });

  it('peekMessages neither locks nor removes, and pages through sequence numbers', async () => {
    const name = queue();
    const sender = ctx.client.createSender(name);
    await sender.sendMessages(['p1', 'p2', 'p3', 'p4'].map((body) => ({ body })));
    const receiver = ctx.client.createReceiver(name);
    const page1 = await receiver.peekMessages(2);
    const page2 = await receiver.peekMessages(10);
    expect(page1.map((m) => m.body)).toEqual(['p1', 'p2']);
    expect(page2.map((m) => m.body)).toEqual(['p3', 'p4']);
    expect(page1[0]?.lockToken).toBeUndefined();
    const firstSeq = page1[0]!.sequenceNumber!;
    const from3 = await receiver.peekMessages(10, { fromSequenceNumber: firstSeq.add(2) });
    expect(from3.map((m) => m.body)).toEqual(['p3', 'p4']);
    expect(await receiver.peekMessages(10, { fromSequenceNumber: firstSeq.add(100) })).toEqual([]);
    const got = await receiveCount(receiver, 4);
    expect(got.map((m) => [m.body, m.deliveryCount])).toEqual([
      ['p1', 0],
      ['p2', 0],
      ['p3', 0],
      ['p4', 0],
    ]);
    for (const m of got) await receiver.completeMessage(m);
    await receiver.close();
    await sender.close();
  });

  it('renewMessageLock extends the lock past its original expiry', { timeout: 15_000 }, async () => {
    const name = queue({ lockDuration: 1500 });
    const sender = ctx.client.createSender(name);
    await sender.sendMessages({ body: 'long job' });
    const receiver = ctx.client.createReceiver(name, { maxAutoLockRenewalDurationInMs: 0 });
    const [m] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 2000 });
    const originalExpiry = m!.lockedUntilUtc!.getTime();
    await sleep(900);
    const renewed = await receiver.renewMessageLock(m!);
    expect(renewed.getTime()).toBeGreaterThan(originalExpiry + 800);
    expect(m!.lockedUntilUtc?.getTime()).toBe(renewed.getTime());
    await sleep(900); // past the original expiry, within the renewed lock
    await receiver.completeMessage(m!);
    expect(ctx.twin.getRuntimeProperties(name).activeMessageCount).toBe(0);
    await receiver.close();
    await sender.close();
  });

  it('an expired lock redelivers the message; the late complete fails with MessageLockLost', {
    timeout: 15_000,
  }, async () => {
    const name = queue({ lockDuration: 600 });
    const sender = ctx.client.createSender(name);
    await sender.sendMessages({ body: 'slow' });
    const receiver = ctx.client.createReceiver(name, { maxAutoLockRenewalDurationInMs: 0 });
    const [m] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 2000 });
    await sleep(900);
    await expectServiceBusError(receiver.completeMessage(m!), 'MessageLockLost');
    await expectServiceBusError(receiver.renewMessageLock(m!), 'MessageLockLost');
    const [again] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 2000 });
    expect(again?.body).toBe('slow');
    expect(again?.deliveryCount).toBe(1);
    await receiver.completeMessage(again!);
    await receiver.close();
    await sender.close();
  });

  it('subscribe() streams every message with autoComplete and leaves no locks', async () => {
    const name = queue();
    const sender = ctx.client.createSender(name);
    const receiver = ctx.client.createReceiver(name);
    const seen: number[] = [];
    let failure: unknown;
    const subscription = receiver.subscribe(
      {
        processMessage: async (m) => {
          seen.push(m.body as number);
        },
        processError: async (args) => {
          failure = args.error;
        },
      },
      { maxConcurrentCalls: 4 },
    );
    await sender.sendMessages(Array.from({ length: 20 }, (_, i) => ({ body: i })));
    await sender.sendMessages({ body: 20 });
    await waitFor(() => seen.length === 21, 5000, '21 messages');
    await waitFor(() => ctx.twin.getRuntimeProperties(name).activeMessageCount === 0, 5000, 'auto-complete');
    expect(failure).toBeUndefined();
    expect([...seen].sort((a, b) => a - b)).toEqual(Array.from({ length: 21 }, (_, i) => i));
    expect(ctx.twin.getRuntimeProperties(name).lockedMessageCount).toBe(0);
    await subscription.close();
    await receiver.close();
    await sender.close();
  });
});
