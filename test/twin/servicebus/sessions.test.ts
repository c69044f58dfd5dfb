import { ServiceBusClient } from '@azure/service-bus';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  expectServiceBusError,
  receiveCount,
  sleep,
  startTwinWithClient,
  type TwinContext,
  unique,
} from './helpers.js';

describe('twin servicebus: sessions', () => {
  let ctx: TwinContext;

  beforeAll(async () => {
    ctx = await startTwinWithClient();
  });

  afterAll(async () => {
    await ctx.close();
  });

  function sessionQueue(options: { lockDuration?: number } = {}): string {
    const name = unique('sq');
    ctx.twin.createQueue(name, { requiresSession: true, ...options });
    return name;
  }

  it("acceptSession receives only that session's messages, in order", async () => {
    const name = sessionQueue();
    const sender = ctx.client.createSender(name);
    await sender.sendMessages([
      { body: 'a1', sessionId: 'A' },
      { body: 'b1', sessionId: 'B' },
      { body: 'a2', sessionId: 'A' },
      { body: 'a3', sessionId: 'A' },
    ]);
    const a = await ctx.client.acceptSession(name, 'A');
    expect(a.sessionId).toBe('A');
    expect(a.sessionLockedUntilUtc!.getTime()).toBeGreaterThan(Date.now());
    const got = await receiveCount(a, 3);
    expect(got.map((m) => [m.body, m.sessionId])).toEqual([
      ['a1', 'A'],
      ['a2', 'A'],
      ['a3', 'A'],
    ]);
    for (const m of got) await a.completeMessage(m);
    expect(await a.receiveMessages(1, { maxWaitTimeInMs: 200 })).toEqual([]);
    await a.close();
    const b = await ctx.client.acceptSession(name, 'B', { receiveMode: 'receiveAndDelete' });
    const [b1] = await b.receiveMessages(1, { maxWaitTimeInMs: 2000 });
    expect(b1?.body).toBe('b1');
    await b.close();
    await sender.close();
  });

  it('acceptNextSession picks an unlocked session that has messages', async () => {
    const name = sessionQueue();
    const sender = ctx.client.createSender(name);
    await sender.sendMessages([
      { body: 'x', sessionId: 'first' },
      { body: 'y', sessionId: 'second' },
    ]);
    const held = await ctx.client.acceptSession(name, 'first');
    const next = await ctx.client.acceptNextSession(name);
    expect(next.sessionId).toBe('second');
    const [m] = await next.receiveMessages(1, { maxWaitTimeInMs: 2000 });
    expect(m?.body).toBe('y');
    await next.completeMessage(m!);
    await next.close();
    await held.close();
    const again = await ctx.client.acceptNextSession(name);
    expect(again.sessionId).toBe('first');
    await again.close();
    await sender.close();
  });

  it('session state round-trips and outlives the receiver', async () => {
    const name = sessionQueue();
    const first = await ctx.client.acceptSession(name, 'cart-1');
    expect(await first.getSessionState()).toBeNull();
    await first.setSessionState({ step: 2, items: ['a'] });
    expect(await first.getSessionState()).toEqual({ step: 2, items: ['a'] });
    await first.close();
    const second = await ctx.client.acceptSession(name, 'cart-1');
    expect(await second.getSessionState()).toEqual({ step: 2, items: ['a'] });
    await second.setSessionState(null);
    expect(await second.getSessionState()).toBeNull();
    await second.close();
  });

  it('renewSessionLock extends sessionLockedUntilUtc', { timeout: 15_000 }, async () => {
    const name = sessionQueue({ lockDuration: 1500 });
    const receiver = await ctx.client.acceptSession(name, 'long', { maxAutoLockRenewalDurationInMs: 0 });
    const before = receiver.sessionLockedUntilUtc!.getTime();
    await sleep(900);
    await receiver.renewSessionLock();
    expect(receiver.sessionLockedUntilUtc!.getTime()).toBeGreaterThan(before + 800);
    await sleep(900); // past the first expiry
    await receiver.setSessionState('still mine');
    expect(await receiver.getSessionState()).toBe('still mine');
    await receiver.close();
  });

  it('a session locked by another receiver cannot be accepted (SessionCannotBeLocked)', async () => {
    const name = sessionQueue();
    const owner = await ctx.client.acceptSession(name, 'busy');
    await expectServiceBusError(ctx.client.acceptSession(name, 'busy'), 'SessionCannotBeLocked');
    const other = new ServiceBusClient(ctx.twin.connectionString, {
      retryOptions: { maxRetries: 0, timeoutInMs: 5000 },
    });
    await expectServiceBusError(other.acceptSession(name, 'busy'), 'SessionCannotBeLocked');
    await owner.close();
    const now = await other.acceptSession(name, 'busy');
    expect(now.sessionId).toBe('busy');
    await now.close();
    await other.close();
  });

  it('acceptNextSession waits until a session gets a message', { timeout: 15_000 }, async () => {
    const name = sessionQueue();
    const pending = ctx.client.acceptNextSession(name);
    await sleep(300);
    expect(ctx.twin.stats().pendingSessionAccepts).toBeGreaterThanOrEqual(1);
    const sender = ctx.client.createSender(name);
    await sender.sendMessages({ body: 'wake up', sessionId: 'late' });
    const receiver = await pending;
    expect(receiver.sessionId).toBe('late');
    const [m] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 2000 });
    expect(m?.body).toBe('wake up');
    await receiver.completeMessage(m!);
    await receiver.close();
    await sender.close();
  });

  it('acceptNextSession with no session available fails with ServiceTimeout after the client timeout', {
    timeout: 15_000,
  }, async () => {
    const name = sessionQueue();
    const client = new ServiceBusClient(ctx.twin.connectionString, {
      retryOptions: { maxRetries: 0, timeoutInMs: 1200 },
    });
    const started = Date.now();
    await expectServiceBusError(client.acceptNextSession(name), 'ServiceTimeout');
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(ctx.twin.stats().pendingSessionAccepts).toBe(0);
    await client.close();
  });

  it('an expired session lock surfaces SessionLockLost and frees the session for others', {
    timeout: 15_000,
  }, async () => {
    const name = sessionQueue({ lockDuration: 700 });
    const sender = ctx.client.createSender(name);
    await sender.sendMessages({ body: 'slow', sessionId: 'S' });
    const receiver = await ctx.client.acceptSession(name, 'S', { maxAutoLockRenewalDurationInMs: 0 });
    const [m] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 2000 });
    expect(m?.body).toBe('slow');
    await sleep(1000);
    await expectServiceBusError(receiver.completeMessage(m!), 'SessionLockLost');
    await expectServiceBusError(receiver.renewSessionLock(), 'SessionLockLost');
    const again = await ctx.client.acceptSession(name, 'S');
    const [redelivered] = await again.receiveMessages(1, { maxWaitTimeInMs: 2000 });
    expect(redelivered?.body).toBe('slow');
    expect(redelivered?.deliveryCount).toBe(1);
    await again.completeMessage(redelivered!);
    await again.close();
    await receiver.close().catch(() => {});
    await sender.close();
  });

  it('closing a session receiver releases the session and its unsettled messages', async () => {
    const name = sessionQueue();
    const sender = ctx.client.createSender(name);
    await sender.sendMessages({ body: 'unsettled', sessionId: 'R' });
    const first = await ctx.client.acceptSession(name, 'R');
    const [m] = await first.receiveMessages(1, { maxWaitTimeInMs: 2000 });
    expect(m?.deliveryCount).toBe(0);
    await first.close();
    const second = await ctx.client.acceptNextSession(name);
    expect(second.sessionId).toBe('R');
    const [again] = await second.receiveMessages(1, { maxWaitTimeInMs: 2000 });
    expect(again?.body).toBe('unsettled');
    expect(again?.deliveryCount).toBe(1);
    await second.completeMessage(again!);
    await second.close();
    await sender.close();
  });

  it('session entities refuse plain receivers and messages without a sessionId; plain entities refuse session receivers', async () => {
    const name = sessionQueue();
    const plain = unique('plain');
    ctx.twin.createQueue(plain);
    const receiver = ctx.client.createReceiver(name);
    const refused = await expectServiceBusError(
      receiver.receiveMessages(1, { maxWaitTimeInMs: 1000 }),
      'GeneralError',
    );
    expect(refused.message).toMatch(/requires sessions/);
    await receiver.close();
    const sender = ctx.client.createSender(name);
    const noSession = await expectServiceBusError(sender.sendMessages({ body: 'orphan' }), 'GeneralError');
    expect(noSession.message).toMatch(/SessionId was not set/);
    await sender.sendMessages({ body: 'fine', sessionId: 'ok' });
    // The twin answers with a null source and detaches with amqp:not-allowed. The SDK usually reports its own
    // SessionCannotBeLocked first (the attach carries no session), and the twin's error when the detach wins the race.
    const wrong = await ctx.client.acceptSession(plain, 'x').then(
      () => undefined,
      (error: Error & { code?: string }) => error,
    );
    expect(wrong?.name).toBe('ServiceBusError');
    if (wrong?.code === 'GeneralError') expect(wrong.message).toMatch(/does not require sessions/);
    else expect(wrong?.code).toBe('SessionCannotBeLocked');
    await sender.close();
  });

  it('peekMessages on a session receiver shows only that session; sessions work on subscriptions too', async () => {
    const topic = unique('session-topic');
    ctx.twin.createTopic(topic);
    ctx.twin.createSubscription(topic, 'orders', { requiresSession: true });
    const sender = ctx.client.createSender(topic);
    await sender.sendMessages([
      { body: 'o1', sessionId: 'order-1' },
      { body: 'o2', sessionId: 'order-2' },
      { body: 'o1b', sessionId: 'order-1' },
    ]);
    const receiver = await ctx.client.acceptSession(topic, 'orders', 'order-1');
    const peeked = await receiver.peekMessages(10);
    expect(peeked.map((m) => m.body)).toEqual(['o1', 'o1b']);
    const got = await receiveCount(receiver, 2);
    expect(got.map((m) => m.body)).toEqual(['o1', 'o1b']);
    for (const m of got) await receiver.completeMessage(m);
    await receiver.close();
    const next = await ctx.client.acceptNextSession(topic, 'orders', { receiveMode: 'receiveAndDelete' });
    expect(next.sessionId).toBe('order-2');
    await next.close();
    await sender.close();
  });
});
