/**
 * The Lambda handlers on real shapes: SQS records made from messages a plain SDK client received from moto (mapped
 * as AWS documents the record format), SNS records from the notification JSON SNS delivers, visibility changes and
 * dead letters checked on moto itself. Cases that need no emulator use records in the documented format.
 */

import { ListTopicsCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  ChangeMessageVisibilityCommand,
  CreateQueueCommand as CreateQueue,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { Context, SNSHandler, SQSEvent, SQSHandler, SQSRecord } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { dynamoDbIdempotencyStore } from '../../adapters/aws/index.js';
import { memory } from '../../adapters/memory/index.js';
import { createBus } from '../../core/bus.js';
import { defineQueue, defineTopic } from '../../core/declarations.js';
import { readEnvelope } from '../../core/envelope.js';
import { ValidationError } from '../../core/errors.js';
import { memoryIdempotencyStore } from '../../core/idempotency/memory-store.js';
import type { ReceivedMessage } from '../../core/message.js';
import {
  parseSqsArn,
  queueUrlOf,
  RedeliveryRequested,
  snsHandler,
  sqsHandler,
} from '../../functions/aws-lambda/index.js';
import { lambdaSnsRecord } from '../../functions/local/lambda-records.js';
import { LOCAL_SQS_SETTLER } from '../../functions/shared/local-settler.js';
import { awsClientConfig, describeWithEmulator, uniqueName } from '../support/emulators.js';
import {
  awsConnection,
  awsDriver,
  contextWith,
  deleteAsLambda,
  documentedRecord,
  gate,
  queueOf,
  receiveMessages,
  receiveRecords,
} from './support.js';

describe('[functions:aws-lambda] events and options (no emulator)', () => {
  it('builds the documented queue URL from an event source ARN, and the endpoint form locally', () => {
    expect(queueUrlOf('arn:aws:sqs:eu-west-1:123456789012:billing')).toBe(
      'https://sqs.eu-west-1.amazonaws.com/123456789012/billing',
    );
    expect(queueUrlOf('arn:aws-cn:sqs:cn-north-1:123456789012:b.fifo')).toBe(
      'https://sqs.cn-north-1.amazonaws.com.cn/123456789012/b.fifo',
    );
    expect(queueUrlOf('arn:aws:sqs:us-east-1:123456789012:q', 'http://127.0.0.1:4566/')).toBe(
      'http://127.0.0.1:4566/123456789012/q',
    );
    expect(parseSqsArn('arn:aws:sqs:us-east-2:123456789012:x.fifo')).toEqual({
      partition: 'aws',
      region: 'us-east-2',
      accountId: '123456789012',
      name: 'x.fifo',
    });
    expect(() => parseSqsArn('arn:aws:sns:us-east-1:123456789012:t')).toThrow(/eventSourceARN/);
  });

  it('refuses a malformed event or a record it cannot report, and fails only a malformed record it can', async () => {
    const queue = defineQueue('fn-malformed');
    const bus = createBus({ adapter: memory(), declarations: [queue] });
    await bus.provision();
    const seen: string[] = [];
    const handler = sqsHandler(bus, queue, async (m: ReceivedMessage) => {
      seen.push(m.id);
    });
    await expect(handler({} as never)).rejects.toSatisfy(
      (e: unknown) => ValidationError.isInstance(e) && e.field === 'event.Records',
    );
    const good = documentedRecord({ body: '{"a":1}', queueName: 'fn-malformed' });
    const noId = { ...documentedRecord({ body: '{}' }), messageId: '' };
    await expect(handler({ Records: [good, noId] })).rejects.toSatisfy(
      (e: unknown) => ValidationError.isInstance(e) && e.field === 'event.Records[1]',
    );
    expect(seen).toEqual([]); // nothing ran: the whole batch comes back
    const fromSns = { ...documentedRecord({ body: '{}' }), eventSource: 'aws:sns' };
    const result = await handler({ Records: [good, fromSns] }, contextWith(10_000));
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: fromSns.messageId }]);
    expect(seen).toEqual([good.messageId]);
    expect(() => sqsHandler(bus, queue, async () => {}, { concurrency: 0 })).toThrow(/concurrency/);
    expect(() => sqsHandler(bus, defineTopic('t-x') as never, async () => {})).toThrow(/source/);
    await bus.close();
  });

  it('throws for a failed record when the trigger does not report batch item failures', async () => {
    const queue = defineQueue('fn-no-report', { maxAttempts: 5 });
    const bus = createBus({ adapter: memory(), declarations: [queue] });
    await bus.provision();
    const changes: [string, number][] = [];
    const context = {
      ...contextWith(10_000),
      [LOCAL_SQS_SETTLER]: { changeVisibility: async (h: string, s: number) => void changes.push([h, s]) },
    };
    const handler = sqsHandler(
      bus,
      queue,
      async (m) => {
        if ((m.body as { fail: boolean }).fail) throw new Error('no');
      },
      { reportBatchItemFailures: false },
    );
    const ok = documentedRecord({ body: '{"fail":false}' });
    const bad = documentedRecord({ body: '{"fail":true}' });
    await expect(handler({ Records: [ok] }, context)).resolves.toEqual({ batchItemFailures: [] });
    await expect(handler({ Records: [ok, bad] }, context)).rejects.toSatisfy(
      (e: unknown) => e instanceof RedeliveryRequested && e.messageIds.join() === bad.messageId,
    );
    // The failed record was released through the context's settler (a local runner), with its backoff.
    expect(changes.map(([h]) => h)).toEqual([bad.receiptHandle]);
    await bus.close();
  });

  it('runs a duplicate record once: the copy held by another claim is reported failed, then skipped', async () => {
    const queue = defineQueue('fn-dup', { retry: { initialDelaySeconds: 0, jitter: false } });
    const bus = createBus({ adapter: memory(), declarations: [queue] });
    await bus.provision();
    const store = memoryIdempotencyStore();
    let runs = 0;
    const open = gate();
    const handler = sqsHandler(
      bus,
      queue,
      async () => {
        runs++;
        await open.wait;
      },
      { idempotency: { store }, concurrency: 2 },
    );
    const context = { ...contextWith(10_000), [LOCAL_SQS_SETTLER]: { changeVisibility: async () => {} } };
    const first = documentedRecord({ body: '{"n":1}', messageId: 'm-dup' });
    const second = {
      ...first,
      receiptHandle: 'AQEB-second',
      attributes: { ...first.attributes, ApproximateReceiveCount: '2' },
    };
    const answer = handler({ Records: [first, second] }, context);
    setTimeout(open.open, 50);
    // Both copies share the message id: reporting it keeps the message, which returns and is then skipped.
    expect((await answer).batchItemFailures).toEqual([{ itemIdentifier: 'm-dup' }]);
    expect(runs).toBe(1);
    const third = {
      ...first,
      receiptHandle: 'AQEB-third',
      attributes: { ...first.attributes, ApproximateReceiveCount: '3' },
    };
    expect(await handler({ Records: [third] }, context)).toEqual({ batchItemFailures: [] });
    expect(runs).toBe(1);
    // The claim ended no later than the invocation: its in-progress expiry was bounded by the remaining time.
    const record = await store.get('fn-dup:m-dup');
    expect(record?.status).toBe('completed');
    await bus.close();
  });

  it('a message not due yet (a delay past SQS maximum) is replaced by a delayed copy and not reported', async () => {
    const queue = defineQueue('fn-not-due');
    const driver = memory();
    const bus = createBus({ adapter: driver, declarations: [queue] });
    await bus.provision();
    let runs = 0;
    const handler = sqsHandler(bus, queue, async () => void runs++);
    const notBefore = Date.now() + 3_600_000; // an hour away: the memory broker's native delay stops at 900 s
    const record = documentedRecord({
      body: '{"later":true}',
      queueName: 'fn-not-due',
      messageAttributes: { omnibus_meta: { dataType: 'String', stringValue: `nb=${notBefore}` } },
    });
    const context = { ...contextWith(10_000), [LOCAL_SQS_SETTLER]: { changeVisibility: async () => {} } };
    expect(await handler({ Records: [record] }, context)).toEqual({ batchItemFailures: [] });
    expect(runs).toBe(0);
    expect(driver.inspect('fn-not-due')).toMatchObject({ delayed: 1 }); // the copy, carrying the same not-before
    await bus.close();
  });

  it('is assignable to the @types/aws-lambda handler types and takes their events', async () => {
    const queue = defineQueue('fn-types');
    const topic = defineTopic('fn-types-topic');
    const sub = topic.subscription('s');
    const bus = createBus({ adapter: memory(), declarations: [queue, topic] });
    await bus.provision();
    const bodies: unknown[] = [];
    const sqs: SQSHandler = sqsHandler(bus, queue, async (m) => void bodies.push(m.body));
    const sns: SNSHandler = snsHandler(bus, sub, async (m) => void bodies.push(m.body));
    const event: SQSEvent = { Records: [documentedRecord({ body: '{"k":"v"}' }) as SQSRecord] };
    const context = contextWith(5000) as unknown as Context;
    await expect(sqs(event, context, () => {})).resolves.toEqual({ batchItemFailures: [] });
    await sns(
      {
        Records: [
          {
            EventVersion: '1.0',
            EventSubscriptionArn: 'arn:aws:sns:us-east-1:123456789012:t:1',
            EventSource: 'aws:sns',
            Sns: {
              SignatureVersion: '1',
              Timestamp: '2019-01-02T12:45:07.000Z',
              Signature: 'x',
              SigningCertUrl: 'https://sns.us-east-1.amazonaws.com/cert.pem',
              MessageId: '95df01b4-ee98-5cb9-9903-4c221d41eb5e',
              Message: '{"k":"w"}',
              MessageAttributes: { n: { Type: 'Number', Value: '1' } },
              Type: 'Notification',
              UnsubscribeUrl: 'https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe',
              TopicArn: 'arn:aws:sns:us-east-1:123456789012:t',
              Subject: 'TestInvoke',
            },
          },
        ],
      },
      context,
      () => {},
    );
    expect(bodies).toEqual([{ k: 'v' }, { k: 'w' }]);
    await bus.close();
  });
});

describeWithEmulator('aws', '[functions:aws-lambda] sqs trigger on moto', () => {
  let sqs: SQSClient;
  beforeAll(() => {
    sqs = new SQSClient(awsClientConfig());
  });
  afterAll(() => sqs.destroy());

  it('answers a partial batch failure and brings the failed record back after its backoff', async () => {
    const queue = defineQueue(uniqueName('fn-partial'), {
      retry: { initialDelaySeconds: 2, multiplier: 1, jitter: false },
    });
    const bus = createBus({ adapter: awsDriver(), declarations: [queue] });
    await bus.provision();
    await bus.sendBatch(queue, [{ body: { n: 1 } }, { body: { n: 2 } }, { body: { n: 3 } }]);
    const q = await queueOf(sqs, queue.name);
    const attempts: [number, number][] = [];
    const handler = sqsHandler(
      bus,
      queue,
      async (m) => {
        const { n } = m.body as { n: number };
        attempts.push([n, m.attempt]);
        if (n === 2 && m.attempt === 1) throw new Error('transient');
      },
      awsConnection(),
    );
    const records = await receiveRecords(sqs, q, 3);
    expect(records).toHaveLength(3);
    const failedId = records.find((r) => JSON.parse(r.body).n === 2)!.messageId;
    const answered = Date.now();
    const response = await handler({ Records: records }, contextWith(30_000));
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: failedId }] });
    await deleteAsLambda(sqs, q.url, records, response);
    // The record comes back after the 2 s backoff (ChangeMessageVisibility), long before the 30 s lease.
    const again = await receiveRecords(sqs, q, 1, 15_000);
    expect(again.map((r) => r.messageId)).toEqual([failedId]);
    expect(Date.now() - answered).toBeGreaterThanOrEqual(1500);
    expect(again[0]!.attributes.ApproximateReceiveCount).toBe('2');
    const second = await handler({ Records: again }, contextWith(30_000));
    expect(second).toEqual({ batchItemFailures: [] });
    await deleteAsLambda(sqs, q.url, again, second);
    expect(attempts.sort()).toEqual([
      [1, 1],
      [2, 1],
      [2, 2],
      [3, 1],
    ]);
    await bus.close();
  });

  it('maps every attribute type a plain client sends, and validates the body with the schema', async () => {
    const Order = z.object({ orderId: z.string(), total: z.number() });
    const queue = defineQueue(uniqueName('fn-attrs'), { schema: Order });
    const bus = createBus({ adapter: awsDriver(), declarations: [queue] });
    await bus.provision();
    const q = await queueOf(sqs, queue.name);
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: q.url,
        MessageBody: JSON.stringify({ orderId: 'o-1', total: 12.5 }),
        MessageAttributes: {
          region: { DataType: 'String', StringValue: 'eu' },
          total: { DataType: 'Number', StringValue: '12.5' },
          sig: { DataType: 'Binary', BinaryValue: new Uint8Array([0, 1, 254, 255]) },
          kind: { DataType: 'String.custom', StringValue: 'gift' },
          count: { DataType: 'Number.int', StringValue: '3' },
          blob: { DataType: 'Binary.gz', BinaryValue: new Uint8Array([9]) },
        },
      }),
    );
    let got: ReceivedMessage<z.infer<typeof Order>> | undefined;
    const handler = sqsHandler(bus, queue, async (m) => {
      got = m;
    });
    const records = await receiveRecords(sqs, q, 1);
    expect(records[0]!.messageAttributes.sig).toEqual({
      dataType: 'Binary',
      binaryValue: Buffer.from([0, 1, 254, 255]).toString('base64'),
      stringListValues: [],
      binaryListValues: [],
    });
    expect(await handler({ Records: records }, contextWith(10_000))).toEqual({ batchItemFailures: [] });
    expect(got?.body).toEqual({ orderId: 'o-1', total: 12.5 });
    expect(got?.attributes).toEqual({
      region: 'eu',
      total: 12.5,
      sig: new Uint8Array([0, 1, 254, 255]),
      kind: 'gift',
      count: 3,
      blob: new Uint8Array([9]),
    });
    expect(got?.attempt).toBe(1);
    expect(got?.publishTime.getTime()).toBe(Number(records[0]!.attributes.SentTimestamp));
    await deleteAsLambda(sqs, q.url, records, { batchItemFailures: [] });
    await bus.close();
  });

  it('never fails the batch for one poison record: retried, then dead-lettered with the envelope', async () => {
    const queue = defineQueue(uniqueName('fn-poison'), {
      maxAttempts: 2,
      retry: { initialDelaySeconds: 0, jitter: false },
    });
    const bus = createBus({ adapter: awsDriver(), declarations: [queue] });
    await bus.provision();
    await bus.sendBatch(queue, [{ body: { id: 'a' } }, { body: { id: 'poison' } }, { body: { id: 'b' } }]);
    const q = await queueOf(sqs, queue.name);
    const dlq = await queueOf(sqs, `${queue.name}-dlq`);
    const done: string[] = [];
    const handler = sqsHandler(
      bus,
      queue,
      async (m) => {
        const { id } = m.body as { id: string };
        if (id === 'poison') throw new Error('cannot bill');
        done.push(id);
      },
      awsConnection(),
    );
    const first = await receiveRecords(sqs, q, 3);
    const poisonId = first.find((r) => r.body.includes('poison'))!.messageId;
    const r1 = await handler({ Records: first }, contextWith(30_000));
    expect(r1.batchItemFailures).toEqual([{ itemIdentifier: poisonId }]);
    await deleteAsLambda(sqs, q.url, first, r1);
    const second = await receiveRecords(sqs, q, 1);
    expect(second[0]!.attributes.ApproximateReceiveCount).toBe('2');
    const r2 = await handler({ Records: second }, contextWith(30_000));
    expect(r2.batchItemFailures).toEqual([]); // last attempt: dead-lettered, so Lambda deletes it
    await deleteAsLambda(sqs, q.url, second, r2);
    const dead = await receiveMessages(sqs, dlq.url, 1);
    expect(dead).toHaveLength(1);
    expect(JSON.parse(dead[0]!.Body!)).toEqual({ id: 'poison' });
    const envelope = JSON.parse(dead[0]!.MessageAttributes!.omnibus_dead_letter!.StringValue!);
    expect(envelope).toMatchObject({
      reason: 'max-attempts',
      attempts: 2,
      originalId: poisonId,
      source: queue.name,
    });
    expect(envelope.error.message).toBe('cannot bill');
    expect(done.sort()).toEqual(['a', 'b']);
    expect(await receiveMessages(sqs, q.url, 1, 1500)).toEqual([]);
    await bus.close();
  });

  it('dead-letters a malformed body at once (validation), leaving the rest of the batch alone', async () => {
    const queue = defineQueue(uniqueName('fn-badjson'), { schema: z.object({ id: z.string() }) });
    const bus = createBus({ adapter: awsDriver(), declarations: [queue] });
    await bus.provision();
    const q = await queueOf(sqs, queue.name);
    const dlq = await queueOf(sqs, `${queue.name}-dlq`);
    await sqs.send(new SendMessageCommand({ QueueUrl: q.url, MessageBody: '{"id": broken' }));
    await sqs.send(new SendMessageCommand({ QueueUrl: q.url, MessageBody: '{"id": 42}' }));
    await sqs.send(new SendMessageCommand({ QueueUrl: q.url, MessageBody: '{"id": "ok"}' }));
    const handled: string[] = [];
    const handler = sqsHandler(bus, queue, async (m) => void handled.push(m.body.id), awsConnection());
    const records = await receiveRecords(sqs, q, 3);
    const response = await handler({ Records: records }, contextWith(30_000));
    expect(response.batchItemFailures).toEqual([]);
    expect(handled).toEqual(['ok']);
    const dead = await receiveMessages(sqs, dlq.url, 2);
    const reasons = dead.map((d) =>
      readEnvelope({ omnibus_dead_letter: d.MessageAttributes!.omnibus_dead_letter!.StringValue! }),
    );
    expect(reasons.map((e) => [e?.reason, e?.attempts])).toEqual([
      ['validation', 1],
      ['validation', 1],
    ]);
    expect(dead.map((d) => d.Body).sort()).toEqual(['{"id": 42}', '{"id": broken'].sort());
    await bus.close();
  });

  it('FIFO: stops a group at its first failure, reports the rest of the group, and order holds on redelivery', async () => {
    const queue = defineQueue(uniqueName('fn-fifo'), {
      ordering: true,
      retry: { initialDelaySeconds: 1, multiplier: 1, jitter: false },
    });
    const bus = createBus({ adapter: awsDriver(), declarations: [queue] });
    await bus.provision();
    await bus.sendBatch(queue, [
      { body: 'a1', orderingKey: 'A' },
      { body: 'b1', orderingKey: 'B' },
      { body: 'a2', orderingKey: 'A' },
      { body: 'a3', orderingKey: 'A' },
      { body: 'b2', orderingKey: 'B' },
    ]);
    const q = await queueOf(sqs, `${queue.name}.fifo`);
    const seen: string[] = [];
    let failA1 = true;
    const handler = sqsHandler(
      bus,
      queue,
      async (m) => {
        seen.push(`${String(m.body)}@${m.attempt}:${m.orderingKey}`);
        if (m.body === 'a1' && failA1) {
          failA1 = false;
          throw new Error('a1 fails once');
        }
      },
      awsConnection(),
    );
    const records = await receiveRecords(sqs, q, 5);
    expect(records).toHaveLength(5);
    const idOf = (body: string) => records.find((r) => JSON.parse(r.body) === body)!.messageId;
    const response = await handler({ Records: records }, contextWith(30_000));
    expect(response.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(
      [idOf('a1'), idOf('a2'), idOf('a3')].sort(),
    );
    expect(seen.filter((s) => s.startsWith('a'))).toEqual(['a1@1:A']); // a2, a3 never ran
    expect(seen.filter((s) => s.startsWith('b'))).toEqual(['b1@1:B', 'b2@1:B']);
    await deleteAsLambda(sqs, q.url, records, response);
    const again = await receiveRecords(sqs, q, 3, 15_000);
    expect(again.map((r) => JSON.parse(r.body))).toEqual(['a1', 'a2', 'a3']);
    const second = await handler({ Records: again }, contextWith(30_000));
    expect(second.batchItemFailures).toEqual([]);
    await deleteAsLambda(sqs, q.url, again, second);
    expect(seen.slice(3)).toEqual(['a1@2:A', 'a2@2:A', 'a3@2:A']);
    await bus.close();
  });

  it('answers before the Lambda timeout: the slow record is left for redelivery, the finished ones are not', async () => {
    const queue = defineQueue(uniqueName('fn-timeout'));
    const bus = createBus({ adapter: awsDriver(), declarations: [queue] });
    await bus.provision();
    await bus.sendBatch(queue, [{ body: 'fast-1' }, { body: 'slow' }, { body: 'fast-2' }]);
    const q = await queueOf(sqs, queue.name);
    const slow = gate();
    const finished: string[] = [];
    const handler = sqsHandler(
      bus,
      queue,
      async (m) => {
        if (m.body === 'slow') await slow.wait;
        finished.push(String(m.body));
      },
      { ...awsConnection(), timeoutMarginMs: 300 },
    );
    const records = await receiveRecords(sqs, q, 3);
    const slowId = records.find((r) => r.body.includes('slow'))!.messageId;
    const response = await handler({ Records: records }, contextWith(1300));
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: slowId }]);
    expect(finished.sort()).toEqual(['fast-1', 'fast-2']);
    await deleteAsLambda(sqs, q.url, records, response);
    // Its visibility was not touched: it stays leased (30 s), it does not come straight back.
    expect(await receiveMessages(sqs, q.url, 1, 1500)).toEqual([]);
    slow.open();
    await bus.close();
  });

  it('skips a redelivered duplicate with idempotency on DynamoDB, claims bounded by the remaining time', async () => {
    const queue = defineQueue(uniqueName('fn-idem'));
    const bus = createBus({ adapter: awsDriver(), declarations: [queue] });
    await bus.provision();
    await bus.send(queue, { orderId: 'o-9' });
    const q = await queueOf(sqs, queue.name);
    const store = dynamoDbIdempotencyStore({ tableName: uniqueName('fn-idem-table'), ...awsConnection() });
    await store.provision();
    let charges = 0;
    let claimExpiry: number | undefined;
    const handler = sqsHandler(
      bus,
      queue,
      async () => {
        charges++;
        claimExpiry = (await store.get(`${queue.name}:o-9`))?.expiresAt;
        return { charged: true };
      },
      {
        ...awsConnection(),
        idempotency: { store, key: (m) => (m.body as { orderId: string }).orderId, inProgressSeconds: 600 },
      },
    );
    const first = await receiveRecords(sqs, q, 1);
    const before = Date.now();
    expect(await handler({ Records: first }, contextWith(20_000))).toEqual({ batchItemFailures: [] });
    // The claim asked for 600 s but cannot outlive the invocation's 20 s.
    expect(claimExpiry).toBeGreaterThan(before);
    expect(claimExpiry).toBeLessThanOrEqual(before + 20_500);
    // Lambda "crashed" before deleting: the record becomes visible again and is delivered a second time.
    await sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: q.url,
        ReceiptHandle: first[0]!.receiptHandle,
        VisibilityTimeout: 0,
      }),
    );
    const second = await receiveRecords(sqs, q, 1);
    expect(second[0]!.messageId).toBe(first[0]!.messageId);
    expect(second[0]!.attributes.ApproximateReceiveCount).toBe('2');
    expect(await handler({ Records: second }, contextWith(20_000))).toEqual({ batchItemFailures: [] });
    expect(charges).toBe(1);
    expect((await store.get(`${queue.name}:o-9`))?.status).toBe('completed');
    await deleteAsLambda(sqs, q.url, second, { batchItemFailures: [] });
    await bus.close();
  });
});

describeWithEmulator('aws', '[functions:aws-lambda] sns trigger on moto', () => {
  let sqs: SQSClient;
  let sns: SNSClient;
  beforeAll(() => {
    sqs = new SQSClient(awsClientConfig());
    sns = new SNSClient(awsClientConfig());
  });
  afterAll(() => {
    sqs.destroy();
    sns.destroy();
  });

  /** Subscribes a fresh queue to the topic without raw delivery, to capture the notification JSON SNS sends. */
  async function envelopeTap(
    topicName: string,
  ): Promise<{ url: string; arn: string; subscriptionArn: string }> {
    const name = uniqueName('fn-sns-tap');
    await sqs.send(new CreateQueue({ QueueName: name }));
    const q = await queueOf(sqs, name);
    let topicArn: string | undefined;
    let token: string | undefined;
    do {
      const page = await sns.send(new ListTopicsCommand(token === undefined ? {} : { NextToken: token }));
      topicArn ??= page.Topics?.find((t) => t.TopicArn?.endsWith(`:${topicName}`))?.TopicArn;
      token = page.NextToken;
    } while (token && !topicArn);
    const { SubscriptionArn } = await sns.send(
      new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: q.arn }),
    );
    return { ...q, subscriptionArn: SubscriptionArn! };
  }

  it('maps Sns.Message and typed MessageAttributes; a failure throws so Lambda retries', async () => {
    const topic = defineTopic(uniqueName('fn-topic'));
    const audit = topic.subscription('audit');
    const bus = createBus({ adapter: awsDriver(), declarations: [topic] });
    await bus.provision();
    const tap = await envelopeTap(topic.name);
    await bus.publish(
      topic,
      { orderId: 'o-1' },
      { attributes: { region: 'eu', total: 7.5, sig: new Uint8Array([1, 2]) } },
    );
    const [message] = await receiveMessages(sqs, tap.url, 1);
    const record = lambdaSnsRecord(JSON.parse(message!.Body!), tap.subscriptionArn);
    expect(record.Sns.MessageAttributes?.sig).toEqual({ Type: 'Binary', Value: 'AQI=' });
    const got: ReceivedMessage[] = [];
    let fail = true;
    const handler = snsHandler(bus, audit, async (m) => {
      got.push(m);
      if (fail) throw new Error('down');
    });
    await expect(handler({ Records: [record] }, contextWith(10_000))).rejects.toBeInstanceOf(
      RedeliveryRequested,
    );
    fail = false;
    await expect(handler({ Records: [record] }, contextWith(10_000))).resolves.toBeUndefined();
    expect(got.map((m) => m.attempt)).toEqual([1, 2]); // counted in this container
    expect(got[0]!.body).toEqual({ orderId: 'o-1' });
    expect(got[0]!.attributes).toEqual({ region: 'eu', total: 7.5, sig: new Uint8Array([1, 2]) });
    expect(got[0]!.source).toBe(`${topic.name}/audit`);
    await bus.close();
  });

  it('dead-letters on the last attempt with the envelope, so the invocation succeeds', async () => {
    const topic = defineTopic(uniqueName('fn-topic-dl'));
    const audit = topic.subscription('audit', { maxAttempts: 1 });
    const bus = createBus({ adapter: awsDriver(), declarations: [topic] });
    await bus.provision();
    const tap = await envelopeTap(topic.name);
    await bus.publish(topic, { orderId: 'o-2' });
    const [message] = await receiveMessages(sqs, tap.url, 1);
    const record = lambdaSnsRecord(JSON.parse(message!.Body!), tap.subscriptionArn);
    const handler = snsHandler(bus, audit, async () => {
      throw new Error('always');
    });
    await expect(handler({ Records: [record] }, contextWith(10_000))).resolves.toBeUndefined();
    const dlq = await queueOf(sqs, `${topic.name}-audit-dlq`);
    const [dead] = await receiveMessages(sqs, dlq.url, 1);
    expect(JSON.parse(dead!.Body!)).toEqual({ orderId: 'o-2' });
    const envelope = JSON.parse(dead!.MessageAttributes!.omnibus_dead_letter!.StringValue!);
    expect(envelope).toMatchObject({ reason: 'max-attempts', attempts: 1, source: `${topic.name}/audit` });
    await bus.close();
  });
});
