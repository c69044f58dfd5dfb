/**
 * The constructs one by one: FIFO decisions as the AWS adapter makes them, the name prefix, adopting existing
 * resources, options, and typed errors for bad props (no bundling).
 */
import { Duration } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { describe, expect, it } from 'vitest';
import { defineQueue, defineTopic } from '../../core/declarations.js';
import { CapabilityError, ConfigurationError } from '../../core/errors.js';
import { OmnibusFunction } from '../../infra/cdk/function.js';
import { OmnibusIdempotencyTable } from '../../infra/cdk/idempotency-table.js';
import { OmnibusQueue } from '../../infra/cdk/queue.js';
import { OmnibusTopic } from '../../infra/cdk/topic.js';
import { OmnibusTopology } from '../../infra/cdk/topology.js';
import { HANDLER, refOf, resourcesOf, unbundledStack } from './support.js';

function queuesByName(template: Template): Map<string, Record<string, any>> {
  return new Map(resourcesOf(template, 'AWS::SQS::Queue').map((q) => [q.props.QueueName as string, q.props]));
}

describe('cdk: constructs', () => {
  it('[cdk] makes ordered and deduplicated entities FIFO, with dead-letter and undeliverable queues of their type', () => {
    const { stack } = unbundledStack();
    const ledger = defineQueue('ledger', { ordering: true, delaySeconds: 5 });
    const once = defineQueue('once', { deduplication: true });
    const prices = defineTopic('prices', { deduplication: true });
    prices.subscription('feed');
    const delayed = defineQueue('delayed', { delaySeconds: 5, deadLetter: false });
    const topology = new OmnibusTopology(stack, 'T', { declarations: [ledger, once, prices, delayed] });
    const queues = queuesByName(Template.fromStack(stack));
    expect([...queues.keys()].sort()).toEqual(
      [
        'ledger.fifo',
        'ledger-dlq.fifo',
        'once.fifo',
        'once-dlq.fifo',
        'prices-feed.fifo',
        'prices-feed-dlq.fifo',
        'prices-undeliverable.fifo',
        'delayed',
      ].sort(),
    );
    for (const [name, props] of queues) expect(props.FifoQueue).toBe(name === 'delayed' ? undefined : true);
    // FIFO queues refuse per-message delays, so core emulates the ordered queue's delay (as at runtime).
    expect(queues.get('ledger.fifo')?.DelaySeconds).toBeUndefined();
    expect(queues.get('delayed')?.DelaySeconds).toBe(5);
    expect(queues.get('ledger.fifo')?.ContentBasedDeduplication).toBe(false);
    Template.fromStack(stack).hasResourceProperties('AWS::SNS::Topic', {
      TopicName: 'prices.fifo',
      FifoTopic: true,
      ContentBasedDeduplication: false,
    });
    expect(topology.queue('once').mapping.fifo).toBe(true);
  });

  it('[cdk] prefixes every physical name and tells the function the prefix', () => {
    const { stack } = unbundledStack();
    const orders = defineQueue('orders');
    const placed = defineTopic('placed');
    placed.subscription('audit');
    new OmnibusTopology(stack, 'T', {
      declarations: [orders, placed],
      namePrefix: 'staging-',
      handlers: { orders: { entry: HANDLER, consumes: orders } },
    });
    const template = Template.fromStack(stack);
    expect([...queuesByName(template).keys()].sort()).toEqual(
      [
        'staging-orders',
        'staging-orders-dlq',
        'staging-placed-audit',
        'staging-placed-audit-dlq',
        'staging-placed-undeliverable',
      ].sort(),
    );
    template.hasResourceProperties('AWS::SNS::Topic', { TopicName: 'staging-placed' });
    const fn = resourcesOf(template, 'AWS::Lambda::Function')[0];
    expect(fn?.props.Environment.Variables.OMNIBUS_AWS_NAME_PREFIX).toBe('staging-');
    expect(fn?.props.Environment.Variables.OMNIBUS_SOURCE).toBe('orders');
  });

  it('[cdk] adopts existing queues, topics and tables: creates none of them, wires and grants their ARNs', () => {
    const { stack } = unbundledStack();
    const orders = defineQueue('orders');
    const placed = defineTopic('placed');
    const queueArn = 'arn:aws:sqs:eu-west-1:123456789012:orders';
    const dlqArn = 'arn:aws:sqs:eu-west-1:123456789012:orders-dlq';
    const topicArn = 'arn:aws:sns:eu-west-1:123456789012:placed';
    const existing = new OmnibusQueue(stack, 'Orders', {
      declaration: orders,
      existingQueue: sqs.Queue.fromQueueArn(stack, 'Q', queueArn),
      deadLetterQueue: sqs.Queue.fromQueueArn(stack, 'D', dlqArn),
    });
    const topic = new OmnibusTopic(stack, 'Placed', {
      declaration: placed,
      existingTopic: sns.Topic.fromTopicArn(stack, 'T', topicArn),
      undeliverableQueue: false,
    });
    const table = new OmnibusIdempotencyTable(stack, 'Idem', {
      existingTable: dynamodb.Table.fromTableName(stack, 'Tbl', 'orders-idempotency'),
    });
    const fn = new OmnibusFunction(stack, 'Fn', {
      entry: HANDLER,
      source: existing,
      publishesTo: [topic],
      idempotencyTable: table,
    });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::SQS::Queue', 0);
    template.resourceCountIs('AWS::SNS::Topic', 0);
    template.resourceCountIs('AWS::DynamoDB::Table', 0);
    expect(existing.adopted && topic.adopted && table.adopted).toBe(true);
    const env = stack.resolve(fn.environment) as Record<string, unknown>;
    expect(env.OMNIBUS_AWS_TOPIC_ARN_PLACED).toBe(topicArn);
    expect(env.OMNIBUS_IDEMPOTENCY_TABLE).toBe('orders-idempotency');
    expect(JSON.stringify(env.OMNIBUS_AWS_QUEUE_URL_ORDERS)).toContain('/123456789012/orders');
    const resources = resourcesOf(template, 'AWS::IAM::Policy')
      .flatMap((p) => p.props.PolicyDocument.Statement)
      .flatMap((s: any) => [s.Resource].flat())
      .map((r) => JSON.stringify(r));
    expect(resources).toEqual(
      expect.arrayContaining([JSON.stringify(queueArn), JSON.stringify(dlqArn), JSON.stringify(topicArn)]),
    );
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', { EventSourceArn: queueArn });
  });

  it('[cdk] honours options: alarms off or tuned, topic key off, event source batching and concurrency', () => {
    const { stack } = unbundledStack();
    const orders = defineQueue('orders', { leaseSeconds: 120 });
    const placed = defineTopic('placed');
    placed.subscription('audit');
    const t = new OmnibusTopology(stack, 'T', {
      declarations: [orders, placed],
      deadLetterAlarm: false,
      topics: { placed: { masterKey: false, undeliverableQueue: false } },
      queues: { 'orders-dlq': { deadLetterAlarm: { threshold: 10, period: Duration.minutes(1) } } },
      handlers: {
        orders: {
          entry: HANDLER,
          consumes: orders,
          batchSize: 100,
          maxBatchingWindow: Duration.seconds(5),
          maxConcurrency: 4,
          timeout: Duration.seconds(20),
        },
      },
    });
    const template = Template.fromStack(stack);
    const alarms = resourcesOf(template, 'AWS::CloudWatch::Alarm');
    expect(alarms).toHaveLength(1);
    expect(alarms[0]?.props).toMatchObject({ Threshold: 10, Period: 60 });
    const dlq = t.queue('orders-dlq').createdQueue?.node.defaultChild as sqs.CfnQueue;
    expect(refOf(alarms[0]?.props.Dimensions[0].Value)).toBe(stack.getLogicalId(dlq));
    expect(resourcesOf(template, 'AWS::SNS::Topic')[0]?.props.KmsMasterKeyId).toBeUndefined();
    expect(resourcesOf(template, 'AWS::SNS::Subscription')[0]?.props.RedrivePolicy).toBeUndefined();
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 100,
      MaximumBatchingWindowInSeconds: 5,
      ScalingConfig: { MaximumConcurrency: 4 },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    template.hasResourceProperties('AWS::Lambda::Function', { Timeout: 20 });
  });

  it('[cdk] refuses bad props before synth with typed errors naming the field', () => {
    const { stack } = unbundledStack();
    const ledger = new OmnibusQueue(stack, 'Ledger', {
      declaration: defineQueue('ledger', { ordering: true }),
    });
    const orders = new OmnibusQueue(stack, 'Orders', { declaration: defineQueue('orders') });
    const fn =
      (id: string, props: Record<string, unknown>, source = orders) =>
      () =>
        new OmnibusFunction(stack, id, { entry: HANDLER, source, ...props });
    expect(fn('A', { batchSize: 11 }, ledger)).toThrow(
      /batchSize: must be a whole number 1–10 on a FIFO queue, got 11/,
    );
    expect(fn('B', { maxBatchingWindow: Duration.seconds(1) }, ledger)).toThrow(
      /maxBatchingWindow: is not supported on FIFO queues/,
    );
    expect(fn('C', { batchSize: 50 })).toThrow(
      /maxBatchingWindow: must be at least 1 s when batchSize is over 10/,
    );
    expect(fn('D', { maxConcurrency: 1 })).toThrow(/maxConcurrency: must be a whole number 2–1000, got 1/);
    expect(fn('E', { environment: { OMNIBUS_ADAPTER: 'memory' } })).toThrow(ConfigurationError);
    expect(() => new OmnibusTopology(stack, 'Empty', { declarations: { note: 'nothing' } })).toThrow(
      /declarations: holds no queue, topic or subscription declaration/,
    );
    const windowed = defineTopic('windowed', { deduplication: { windowSeconds: 60 } });
    expect(() => new OmnibusTopology(stack, 'Refused', { declarations: [windowed] })).toThrow(
      CapabilityError,
    );
    const t = new OmnibusTopology(stack, 'T', { declarations: [defineQueue('a')] });
    expect(() => t.queue('b')).toThrow(/queue: "b" is not declared \(declared: a-dlq, a\)/);
  });
});
