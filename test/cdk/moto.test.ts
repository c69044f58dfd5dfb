/**
 * No drift between the template and the runtime: the AWS adapter's own `provision()` (and the DynamoDB store's)
 * run on moto, and every queue, redrive policy, subscription and the table they create is compared with what the
 * CDK constructs synthesize from the same declarations.
 */
import { DescribeTableCommand, DescribeTimeToLiveCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  GetSubscriptionAttributesCommand,
  GetTopicAttributesCommand,
  ListSubscriptionsByTopicCommand,
  ListTopicsCommand,
  SNSClient,
} from '@aws-sdk/client-sns';
import { GetQueueAttributesCommand, GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, expect, it } from 'vitest';
import { aws } from '../../adapters/aws/driver.js';
import { dynamoDbIdempotencyStore } from '../../adapters/aws/dynamodb-store.js';
import { createBus } from '../../core/bus.js';
import { defineQueue, defineTopic } from '../../core/declarations.js';
import { declarations } from '../../demo/declarations.js';
import { OmnibusIdempotencyTable } from '../../infra/cdk/idempotency-table.js';
import { OmnibusTopology } from '../../infra/cdk/topology.js';
import { awsClientConfig, describeWithEmulator, uniqueName } from '../support/emulators.js';
import { refOf, resourcesOf, unbundledStack } from './support.js';

describeWithEmulator('aws', 'cdk: the template against the adapter on moto', () => {
  const config = awsClientConfig();
  const sqs = new SQSClient(config);
  const sns = new SNSClient(config);
  const dynamo = new DynamoDBClient(config);
  afterAll(() => {
    for (const client of [sqs, sns, dynamo]) client.destroy();
  });

  it('[cdk] queues, redrive policies and subscriptions match what the adapter provisions from the same declarations', async () => {
    const prefix = uniqueName('cdk');
    const prices = defineTopic(`${prefix}-prices`, { deduplication: true });
    prices.subscription('feed', { filter: { tier: { anyOf: ['gold', 7] }, total: { range: { gte: 100 } } } });
    const decls = {
      ...declarations(prefix),
      ledger: defineQueue(`${prefix}-ledger`, { ordering: true, maxAttempts: 7 }),
      once: defineQueue(`${prefix}-once`, { deduplication: true, leaseSeconds: 45 }),
      prices,
    };
    const { stack } = unbundledStack();
    new OmnibusTopology(stack, 'T', { declarations: decls });
    const template = Template.fromStack(stack);
    const bus = createBus({ adapter: aws(config), declarations: Object.values(decls) });
    await bus.provision();
    await bus.close();

    const queues = resourcesOf(template, 'AWS::SQS::Queue').filter(
      (q) => !/-undeliverable(\.fifo)?$/.test(q.props.QueueName),
    );
    const nameOf = new Map(queues.map((q) => [q.id, q.props.QueueName as string]));
    expect(queues).toHaveLength(20); // 6 queues, 4 subscription queues, a dead-letter queue each
    for (const { props } of queues) {
      const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: props.QueueName }));
      const { Attributes: a = {} } = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['All'] }),
      );
      expect(Number(a.VisibilityTimeout), props.QueueName).toBe(props.VisibilityTimeout);
      expect(Number(a.MessageRetentionPeriod), props.QueueName).toBe(props.MessageRetentionPeriod);
      expect(Number(a.DelaySeconds ?? 0), props.QueueName).toBe(props.DelaySeconds ?? 0);
      expect(a.FifoQueue === 'true', props.QueueName).toBe(props.FifoQueue === true);
      if (props.RedrivePolicy) {
        const redrive = JSON.parse(a.RedrivePolicy ?? '{}');
        expect(Number(redrive.maxReceiveCount), props.QueueName).toBe(props.RedrivePolicy.maxReceiveCount);
        const dlq = nameOf.get(refOf(props.RedrivePolicy.deadLetterTargetArn) ?? '');
        expect(redrive.deadLetterTargetArn).toMatch(new RegExp(`:${dlq}$`));
      } else {
        expect(a.RedrivePolicy, props.QueueName).toBeUndefined();
      }
    }

    const { Topics = [] } = await sns.send(new ListTopicsCommand({}));
    const templated = resourcesOf(template, 'AWS::SNS::Subscription');
    let compared = 0;
    for (const topic of resourcesOf(template, 'AWS::SNS::Topic')) {
      const topicArn = Topics.map((t) => t.TopicArn ?? '').find((arn) =>
        arn.endsWith(`:${topic.props.TopicName}`),
      );
      const attributes = await sns.send(new GetTopicAttributesCommand({ TopicArn: topicArn }));
      expect(attributes.Attributes?.FifoTopic === 'true').toBe(topic.props.FifoTopic === true);
      const { Subscriptions = [] } = await sns.send(
        new ListSubscriptionsByTopicCommand({ TopicArn: topicArn }),
      );
      const mine = templated.filter((s) => refOf(s.props.TopicArn) === topic.id);
      expect(Subscriptions).toHaveLength(mine.length);
      for (const sub of mine) {
        const queue = nameOf.get(refOf(sub.props.Endpoint) ?? '');
        const live = Subscriptions.find((s) => s.Endpoint?.endsWith(`:${queue}`));
        const { Attributes: a = {} } = await sns.send(
          new GetSubscriptionAttributesCommand({ SubscriptionArn: live?.SubscriptionArn }),
        );
        expect(a.RawMessageDelivery, queue).toBe(String(sub.props.RawMessageDelivery));
        expect(a.FilterPolicy ? JSON.parse(a.FilterPolicy) : undefined, queue).toEqual(
          sub.props.FilterPolicy,
        );
        compared += 1;
      }
    }
    expect(compared).toBe(4);
  });

  it('[cdk] the idempotency table matches the one the DynamoDB store provisions', async () => {
    const tableName = uniqueName('idem');
    await dynamoDbIdempotencyStore({ ...config, tableName }).provision();
    const { Table } = await dynamo.send(new DescribeTableCommand({ TableName: tableName }));
    const { TimeToLiveDescription } = await dynamo.send(
      new DescribeTimeToLiveCommand({ TableName: tableName }),
    );
    const { stack } = unbundledStack();
    new OmnibusIdempotencyTable(stack, 'Idem');
    Template.fromStack(stack).hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: Table?.KeySchema,
      AttributeDefinitions: Table?.AttributeDefinitions,
      BillingMode: Table?.BillingModeSummary?.BillingMode,
      TimeToLiveSpecification: { AttributeName: TimeToLiveDescription?.AttributeName, Enabled: true },
    });
    expect(TimeToLiveDescription?.TimeToLiveStatus).toBe('ENABLED');
  });
});
