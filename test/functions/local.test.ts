/**
 * Running a deployed Lambda SQS handler locally: the runner polls a real queue on moto (or the memory twin), invokes
 * the handler with Lambda-shaped batches and deletes what the answer does not report as failed.
 */
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memory } from '../../adapters/memory/index.js';
import { createBus } from '../../core/bus.js';
import { defineQueue } from '../../core/declarations.js';
import { sqsHandler } from '../../functions/aws-lambda/index.js';
import { failedIds, type LocalInvocation, runSqsLocally } from '../../functions/local/index.js';
import { awsClientConfig, describeWithEmulator, uniqueName } from '../support/emulators.js';
import { awsConnection, awsDriver, documentedRecord, queueOf } from './support.js';

async function invocationsUntil(
  runner: { invocations: readonly LocalInvocation[] },
  check: (i: readonly LocalInvocation[]) => boolean,
  ms = 15_000,
) {
  const end = Date.now() + ms;
  while (!check(runner.invocations) && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
  return runner.invocations;
}

describe('[functions:local] lambda runner on the memory twin', () => {
  it('feeds a deployed handler from the twin: failures come back after their backoff through the runner', async () => {
    const queue = defineQueue('local-twin', {
      retry: { initialDelaySeconds: 1, multiplier: 1, jitter: false },
    });
    const bus = createBus({ adapter: memory(), declarations: [queue] });
    await bus.provision();
    await bus.sendBatch(queue, [{ body: { n: 1 }, attributes: { kind: 'a', size: 2 } }, { body: { n: 2 } }]);
    const seen: string[] = [];
    const handler = sqsHandler(bus, queue, async (m) => {
      const { n } = m.body as { n: number };
      seen.push(`${n}@${m.attempt}`);
      if (n === 2 && m.attempt === 1) throw new Error('once');
    });
    const runner = runSqsLocally({
      handler,
      source: { driver: bus.driver, source: queue },
      pollWaitSeconds: 1,
    });
    const invocations = await invocationsUntil(runner, (i) => i.some((x) => x.result === 'ok'));
    await runner.stop();
    expect(invocations[0]!.result).toBe('partial');
    expect(invocations[0]!.records[0]!.eventSourceARN).toBe('arn:aws:sqs:us-east-1:000000000000:local-twin');
    expect(invocations[0]!.records.find((r) => r.body === '{"n":1}')?.messageAttributes).toEqual({
      kind: { dataType: 'String', stringValue: 'a', stringListValues: [], binaryListValues: [] },
      size: { dataType: 'Number', stringValue: '2', stringListValues: [], binaryListValues: [] },
    });
    expect(seen.sort()).toEqual(['1@1', '2@1', '2@2']);
    expect((bus.driver as ReturnType<typeof memory>).inspect('local-twin')).toMatchObject({ inFlight: 0 });
    await bus.close();
  });

  it('keeps the whole batch when the handler throws, times out, or answers with an unknown item identifier', async () => {
    const queue = defineQueue('local-bad', { leaseSeconds: 1 });
    const bus = createBus({ adapter: memory(), declarations: [queue] });
    await bus.provision();
    await bus.send(queue, 'x');
    let call = 0;
    const runner = runSqsLocally({
      source: { driver: bus.driver, source: queue },
      timeoutSeconds: 1,
      handler: async (event) => {
        call++;
        if (call === 1) throw new Error('crash');
        if (call === 2) return { batchItemFailures: [{ itemIdentifier: 'not-in-batch' }] };
        if (call === 3) await new Promise((r) => setTimeout(r, 1500));
        return { batchItemFailures: [], n: event.Records.length };
      },
      pollWaitSeconds: 1,
    });
    // A 1 s lease: every kept record comes back a second later, as after an SQS visibility timeout.
    await invocationsUntil(runner, (i) => i.length >= 4, 20_000);
    await runner.stop();
    expect(runner.invocations.map((i) => i.result).slice(0, 4)).toEqual([
      'threw',
      'invalid-response',
      'timed-out',
      'ok',
    ]);
    expect(runner.invocations[0]!.kept).toHaveLength(1);
    expect(
      failedIds({ batchItemFailures: [{ itemIdentifier: 'a' }] }, [
        documentedRecord({ body: '', messageId: 'a' }),
      ]),
    ).toEqual(new Set(['a']));
    expect(failedIds(null, [])).toEqual(new Set());
    await bus.close();
  }, 30_000);
});

describeWithEmulator('aws', '[functions:local] lambda runner on moto', () => {
  let sqs: SQSClient;
  beforeAll(() => {
    sqs = new SQSClient(awsClientConfig());
  });
  afterAll(() => sqs.destroy());

  it('polls the queue with a plain client, honours batchItemFailures and empties the queue', async () => {
    const queue = defineQueue(uniqueName('local-moto'), {
      retry: { initialDelaySeconds: 1, multiplier: 1, jitter: false },
    });
    const bus = createBus({ adapter: awsDriver(), declarations: [queue] });
    await bus.provision();
    await bus.sendBatch(queue, [{ body: 'ok-1' }, { body: 'fails-once' }, { body: 'ok-2' }]);
    const attempts: string[] = [];
    // Built exactly as for AWS: no endpoint in the handler, visibility changes go through the runner.
    const handler = sqsHandler(bus, queue, async (m) => {
      attempts.push(`${String(m.body)}@${m.attempt}`);
      if (m.body === 'fails-once' && m.attempt === 1) throw new Error('once');
    });
    const q = await queueOf(sqs, queue.name);
    const runner = runSqsLocally({
      handler,
      source: { queueUrl: q.url, connection: awsConnection() },
      batchSize: 10,
      batchWindowSeconds: 1,
      pollWaitSeconds: 1,
    });
    await invocationsUntil(runner, () => attempts.includes('fails-once@2'));
    await runner.stop();
    expect(attempts.sort()).toEqual(['fails-once@1', 'fails-once@2', 'ok-1@1', 'ok-2@1']);
    expect(runner.invocations[0]!.result).toBe('partial');
    expect(runner.invocations[0]!.records[0]).toMatchObject({
      eventSource: 'aws:sqs',
      eventSourceARN: q.arn,
      awsRegion: 'us-east-1',
    });
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: q.url,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    expect(Attributes).toMatchObject({
      ApproximateNumberOfMessages: '0',
      ApproximateNumberOfMessagesNotVisible: '0',
    });
    await bus.close();
  });
});
