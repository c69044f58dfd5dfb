import { ServiceBusClient } from '@azure/service-bus';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSasToken } from '../../../twin/servicebus/index.js';
import {
  expectServiceBusError,
  FAST_FAIL,
  startTwinWithClient,
  type TwinContext,
  unique,
} from './helpers.js';

const KB = 1024;

describe('twin servicebus: refusals', () => {
  let ctx: TwinContext;

  beforeAll(async () => {
    ctx = await startTwinWithClient();
  });

  afterAll(async () => {
    await ctx.close();
  });

  it('unknown queues, topics and subscriptions fail with MessagingEntityNotFound', async () => {
    const missing = unique('missing');
    await expectServiceBusError(
      ctx.client.createSender(missing).sendMessages({ body: 1 }),
      'MessagingEntityNotFound',
    );
    const receiver = ctx.client.createReceiver(missing);
    await expectServiceBusError(
      receiver.receiveMessages(1, { maxWaitTimeInMs: 1000 }),
      'MessagingEntityNotFound',
    );
    await expectServiceBusError(receiver.peekMessages(1), 'MessagingEntityNotFound');
    await receiver.close();
    await expectServiceBusError(ctx.client.acceptNextSession(missing), 'MessagingEntityNotFound');
    const topic = unique('topic');
    ctx.twin.createTopic(topic);
    const sub = ctx.client.createReceiver(topic, 'nope');
    await expectServiceBusError(sub.receiveMessages(1, { maxWaitTimeInMs: 1000 }), 'MessagingEntityNotFound');
    await sub.close();
    await expectServiceBusError(
      ctx.client.createRuleManager(topic, 'nope').createRule('r', { sqlExpression: '1=1' }),
      'MessagingEntityNotFound',
    );
  });

  it('a message over the standard tier limit (256 KB) fails with MessageSizeExceeded; the link advertises the limit', async () => {
    const name = unique('size');
    ctx.twin.createQueue(name);
    const sender = ctx.client.createSender(name);
    const batch = await sender.createMessageBatch();
    expect(batch.maxSizeInBytes).toBe(256 * KB);
    const error = await expectServiceBusError(
      sender.sendMessages({ body: 'x'.repeat(300 * KB) }),
      'MessageSizeExceeded',
    );
    expect(error.message).toMatch(/exceeds the limit \(262144 bytes\)/);
    await expectServiceBusError(
      sender.sendMessages([{ body: 'x'.repeat(200 * KB) }, { body: 'y'.repeat(200 * KB) }]),
      'MessageSizeExceeded',
    );
    await sender.sendMessages({ body: 'x'.repeat(200 * KB) });
    expect(ctx.twin.getRuntimeProperties(name).activeMessageCount).toBe(1);
    await sender.close();
  });

  it('an entity over its size quota refuses sends with QuotaExceeded', async () => {
    const name = unique('quota');
    ctx.twin.createQueue(name, { maxSizeInBytes: 3 * KB });
    const sender = ctx.client.createSender(name);
    await sender.sendMessages({ body: 'a'.repeat(2 * KB) });
    await expectServiceBusError(sender.sendMessages({ body: 'b'.repeat(2 * KB) }), 'QuotaExceeded');
    const receiver = ctx.client.createReceiver(name, { receiveMode: 'receiveAndDelete' });
    expect(await receiver.receiveMessages(1, { maxWaitTimeInMs: 2000 })).toHaveLength(1);
    await sender.sendMessages({ body: 'b'.repeat(2 * KB) });
    await receiver.close();
    await sender.close();
  });

  it('disabled entities refuse senders and receivers with MessagingEntityDisabled', async () => {
    const off = unique('off');
    const noSend = unique('nosend');
    const noReceive = unique('noreceive');
    ctx.twin.createQueue(off, { status: 'Disabled' });
    ctx.twin.createQueue(noSend, { status: 'SendDisabled' });
    ctx.twin.createQueue(noReceive, { status: 'ReceiveDisabled' });
    await expectServiceBusError(
      ctx.client.createSender(off).sendMessages({ body: 1 }),
      'MessagingEntityDisabled',
    );
    await expectServiceBusError(
      ctx.client.createSender(noSend).sendMessages({ body: 1 }),
      'MessagingEntityDisabled',
    );
    await ctx.client.createSender(noReceive).sendMessages({ body: 1 });
    const receiver = ctx.client.createReceiver(noReceive);
    await expectServiceBusError(
      receiver.receiveMessages(1, { maxWaitTimeInMs: 1000 }),
      'MessagingEntityDisabled',
    );
    await receiver.close();
    const open = ctx.client.createReceiver(noSend);
    expect(await open.receiveMessages(1, { maxWaitTimeInMs: 100 })).toEqual([]);
    await open.close();
  });

  it('sending to a subscription or a dead-letter queue is refused', async () => {
    const topic = unique('t');
    ctx.twin.createTopic(topic);
    ctx.twin.createSubscription(topic, 's');
    const error = await expectServiceBusError(
      ctx.client.createSender(`${topic}/Subscriptions/s`).sendMessages({ body: 1 }),
      'GeneralError',
    );
    expect(error.message).toMatch(/not a queue or topic/);
    const queue = unique('q');
    ctx.twin.createQueue(queue);
    await expectServiceBusError(
      ctx.client.createSender(`${queue}/$DeadLetterQueue`).sendMessages({ body: 1 }),
      'GeneralError',
    );
  });
});

describe('twin servicebus: premium tier limits', () => {
  let ctx: TwinContext;

  beforeAll(async () => {
    ctx = await startTwinWithClient({ tier: 'premium' });
  });

  afterAll(async () => {
    await ctx.close();
  });

  it('premium accepts 1 MB by default and up to the entity maxMessageSizeInKilobytes', {
    timeout: 20_000,
  }, async () => {
    const normal = unique('premium');
    const large = unique('large');
    ctx.twin.createQueue(normal);
    ctx.twin.createQueue(large, { maxMessageSizeInKilobytes: 4096 });
    const sender = ctx.client.createSender(normal);
    expect((await sender.createMessageBatch()).maxSizeInBytes).toBe(1024 * KB);
    await sender.sendMessages({ body: 'x'.repeat(900 * KB) });
    await expectServiceBusError(sender.sendMessages({ body: 'x'.repeat(1100 * KB) }), 'MessageSizeExceeded');
    const bigSender = ctx.client.createSender(large);
    await bigSender.sendMessages({ body: 'z'.repeat(3 * 1024 * KB) });
    const receiver = ctx.client.createReceiver(large, { receiveMode: 'receiveAndDelete' });
    const [m] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 5000 });
    expect(String(m?.body).length).toBe(3 * 1024 * KB);
    await expectServiceBusError(
      bigSender.sendMessages({ body: 'z'.repeat(5 * 1024 * KB) }),
      'MessageSizeExceeded',
    );
    await receiver.close();
    await bigSender.close();
    await sender.close();
  });
});

describe('twin servicebus: SAS token checks', () => {
  const key = { name: 'app-policy', key: 'c2VjcmV0LWtleS12YWx1ZQ==' };
  let ctx: TwinContext;

  beforeAll(async () => {
    ctx = await startTwinWithClient({ sasKey: key, entities: { queues: [{ name: 'secured' }] } });
  });

  afterAll(async () => {
    await ctx.close();
  });

  it('the configured key works; a wrong key or key name fails with UnauthorizedAccess', async () => {
    await ctx.client.createSender('secured').sendMessages({ body: 'authorized' });
    const receiver = ctx.client.createReceiver('secured', { receiveMode: 'receiveAndDelete' });
    expect((await receiver.receiveMessages(1, { maxWaitTimeInMs: 2000 }))[0]?.body).toBe('authorized');
    await receiver.close();

    for (const [name, value] of [
      [key.name, 'd3Jvbmc='],
      ['someone-else', key.key],
    ] as const) {
      const connectionString = ctx.twin.connectionString
        .replace(`SharedAccessKeyName=${key.name}`, `SharedAccessKeyName=${name}`)
        .replace(`SharedAccessKey=${key.key}`, `SharedAccessKey=${value}`);
      const intruder = new ServiceBusClient(connectionString, { retryOptions: FAST_FAIL });
      const error = await expectServiceBusError(
        intruder.createSender('secured').sendMessages({ body: 'x' }),
        'UnauthorizedAccess',
      );
      expect(error.message).toMatch(/InvalidSignature/);
      await intruder.close();
    }
    expect(ctx.twin.getRuntimeProperties('secured').activeMessageCount).toBe(0);
  });

  it('a pre-signed SAS token for another entity is refused, one for the namespace is accepted', async () => {
    const endpoint = ctx.twin.connectionString.match(/Endpoint=(sb:\/\/[^;]+)/)?.[1] ?? '';
    const expiry = Math.floor(Date.now() / 1000) + 600;
    const wrongEntity = createSasToken(`${endpoint}/other-queue`, key, expiry);
    const asConnectionString = (token: string): string =>
      `Endpoint=${endpoint};SharedAccessSignature=${token};UseDevelopmentEmulator=true`;
    const narrow = new ServiceBusClient(asConnectionString(wrongEntity), { retryOptions: FAST_FAIL });
    await expectServiceBusError(
      narrow.createSender('secured').sendMessages({ body: 'x' }),
      'UnauthorizedAccess',
    );
    await narrow.close();
    const namespaceToken = createSasToken(`${endpoint}/`, key, expiry);
    const wide = new ServiceBusClient(asConnectionString(namespaceToken), { retryOptions: FAST_FAIL });
    await wide.createSender('secured').sendMessages({ body: 'namespace token' });
    await wide.close();
    expect(ctx.twin.getRuntimeProperties('secured').activeMessageCount).toBe(1);
  });
});
