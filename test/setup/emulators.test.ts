/**
 * One real round trip per emulator started by the global setup: proves the setup, not the adapters.
 */
import {
  CreateQueueCommand,
  DeleteQueueCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { TableClient } from '@azure/data-tables';
import { Firestore } from '@google-cloud/firestore';
import { type Message, PubSub } from '@google-cloud/pubsub';
import { createClient } from 'redis';
import { expect, it } from 'vitest';
import {
  awsClientConfig,
  azuriteTablesConfig,
  describeWithEmulator,
  firestoreClientConfig,
  pubsubClientConfig,
  uniqueName,
} from '../support/emulators.js';

/** First calls may be slow on a loaded 2-core CI machine (JIT warm-up of the Java emulators). */
const ROUND_TRIP = { timeout: 30_000 };

describeWithEmulator('aws', 'emulators: moto (SQS)', () => {
  it('creates a queue, sends and receives a message', ROUND_TRIP, async () => {
    const sqs = new SQSClient(awsClientConfig());
    try {
      const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: uniqueName('emulators') }));
      await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'hello sqs' }));
      const { Messages } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 1, WaitTimeSeconds: 2 }),
      );
      expect(Messages?.[0]?.Body).toBe('hello sqs');
      await sqs.send(new DeleteQueueCommand({ QueueUrl }));
    } finally {
      sqs.destroy();
    }
  });
});

describeWithEmulator('pubsub', 'emulators: Pub/Sub', () => {
  it('creates a topic and subscription, publishes and pulls', ROUND_TRIP, async () => {
    const pubsub = new PubSub(pubsubClientConfig());
    try {
      const [topic] = await pubsub.createTopic(uniqueName('emulators'));
      const [subscription] = await topic.createSubscription(uniqueName('emulators-sub'));
      const received = new Promise<Message>((resolve, reject) => {
        subscription.once('message', resolve);
        subscription.once('error', reject);
      });
      await topic.publishMessage({ data: Buffer.from('hello pubsub'), attributes: { kind: 'greeting' } });
      const message = await received;
      message.ack();
      expect(message.data.toString()).toBe('hello pubsub');
      expect(message.attributes).toEqual({ kind: 'greeting' });
      await subscription.close();
      await subscription.delete();
      await topic.delete();
    } finally {
      await pubsub.close();
    }
  });
});

describeWithEmulator('firestore', 'emulators: Firestore', () => {
  it('writes and reads a document', ROUND_TRIP, async () => {
    const db = new Firestore(firestoreClientConfig());
    try {
      const doc = db.collection(uniqueName('emulators')).doc('first');
      await doc.set({ greeting: 'hello firestore', count: 1 });
      const snapshot = await doc.get();
      expect(snapshot.data()).toEqual({ greeting: 'hello firestore', count: 1 });
      await doc.delete();
    } finally {
      await db.terminate();
    }
  });
});

describeWithEmulator('redis', 'emulators: Redis', (redis) => {
  it('sets and gets a key', ROUND_TRIP, async () => {
    const client = createClient({ url: redis.url });
    await client.connect();
    try {
      const key = uniqueName('emulators');
      await client.set(key, 'hello redis');
      expect(await client.get(key)).toBe('hello redis');
      await client.del(key);
    } finally {
      await client.close();
    }
  });
});

describeWithEmulator('azurite', 'emulators: Azurite tables', () => {
  it('creates a table, upserts and gets an entity', ROUND_TRIP, async () => {
    const { connectionString, clientOptions } = azuriteTablesConfig();
    const table = TableClient.fromConnectionString(
      connectionString,
      uniqueName('emulators', { alphanumeric: true }),
      clientOptions,
    );
    await table.createTable();
    await table.upsertEntity({ partitionKey: 'p', rowKey: 'r', greeting: 'hello tables' });
    const entity = await table.getEntity<{ greeting: string }>('p', 'r');
    expect(entity.greeting).toBe('hello tables');
    await table.deleteTable();
  });
});
