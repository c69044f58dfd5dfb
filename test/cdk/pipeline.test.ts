/**
 * The example's order pipeline, synthesized once (functions bundled with the local esbuild), checked against the
 * AWS adapter's own decisions: names, redrive, filter policies, event sources, grants and wiring.
 */
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { filterPolicyOf } from '../../adapters/aws/filter-policy.js';
import { AWS_CAPABILITIES } from '../../adapters/aws/limits.js';
import { isFifoTarget, queueName, subscriptionQueueName } from '../../adapters/aws/names.js';
import { topologyOf } from '../../core/plan.js';
import { pipeline } from '../../examples/cdk/pipeline.js';
import { OrderPipelineStack } from '../../examples/cdk/stack.js';
import { environmentKey, readAwsEnvironment } from '../../infra/cdk/environment.js';
import { queueId, refOf, resourcesOf } from './support.js';

const PREFIX = 'omnibus-demo';
const decls = pipeline(PREFIX);
const topology = topologyOf(Object.values(decls), AWS_CAPABILITIES);
let template: Template;
let stack: OrderPipelineStack;

beforeAll(() => {
  const app = new App();
  stack = new OrderPipelineStack(app, 'Pipeline', { prefix: PREFIX });
  template = Template.fromStack(stack);
}, 120_000);

/** The function whose event source reads the queue named `name`, and that function's properties. */
function functionOn(name: string): { id: string; props: Record<string, any> } {
  const queue = queueId(template, name);
  const mapping = resourcesOf(template, 'AWS::Lambda::EventSourceMapping').find(
    (m) => refOf(m.props.EventSourceArn) === queue,
  );
  const fn = resourcesOf(template, 'AWS::Lambda::Function').find(
    (f) => f.id === refOf(mapping?.props.FunctionName),
  );
  if (!fn) throw new Error(`no function consumes ${name}`);
  return fn;
}

/** The statements of the policy attached to a function's role. */
function statementsOf(fn: { props: Record<string, any> }): Record<string, any>[] {
  const role = refOf(fn.props.Role);
  return resourcesOf(template, 'AWS::IAM::Policy')
    .filter((p) => (p.props.Roles as unknown[]).some((r) => refOf(r) === role))
    .flatMap((p) => p.props.PolicyDocument.Statement);
}

const actionsOf = (s: Record<string, any>): string[] => [s.Action].flat();
const resourcesOfStatement = (s: Record<string, any>): unknown[] => [s.Resource].flat();

describe('cdk: the order pipeline example', () => {
  it('[cdk] creates every queue, dead-letter queue and subscription queue under the adapter names', () => {
    const expected = [
      ...topology.queues.map((q) => queueName(q.name, isFifoTarget(q))),
      ...topology.subscriptions.map((s) => subscriptionQueueName(s.topic, s.name, false)),
      `${PREFIX}-order-placed-undeliverable`,
    ].sort();
    const names = resourcesOf(template, 'AWS::SQS::Queue').map((q) => q.props.QueueName as string);
    expect(names.sort()).toEqual(expected);
    template.resourceCountIs('AWS::SNS::Topic', 1);
    template.hasResourceProperties('AWS::SNS::Topic', {
      TopicName: `${PREFIX}-order-placed`,
      KmsMasterKeyId: Match.anyValue(),
    });
  });

  it('[cdk] sets redrive policies with maxReceiveCount = the spec max deliveries, to the declared dead-letter queue', () => {
    const sources = [...topology.queues, ...topology.subscriptions].filter((s) => s.deadLetterQueue);
    expect(sources.length).toBe(7);
    for (const spec of sources) {
      const name =
        spec.kind === 'queue'
          ? queueName(spec.name, false)
          : subscriptionQueueName(spec.topic, spec.name, false);
      const queue = template.toJSON().Resources[queueId(template, name)].Properties;
      expect(queue.RedrivePolicy.maxReceiveCount).toBe(spec.maxDeliveries);
      expect(refOf(queue.RedrivePolicy.deadLetterTargetArn)).toBe(
        queueId(template, queueName(spec.deadLetterQueue as string, false)),
      );
      expect(queue.VisibilityTimeout).toBe(spec.leaseSeconds);
      expect(queue.MessageRetentionPeriod).toBe(spec.retentionSeconds);
    }
    expect(decls.checkout.maxAttempts).toBe(3);
  });

  it('[cdk] encrypts every queue and denies requests without TLS', () => {
    const queues = resourcesOf(template, 'AWS::SQS::Queue');
    for (const q of queues) expect(q.props.SqsManagedSseEnabled, q.props.QueueName).toBe(true);
    const guarded = new Set(
      resourcesOf(template, 'AWS::SQS::QueuePolicy')
        .filter((p) =>
          p.props.PolicyDocument.Statement.some(
            (s: any) => s.Effect === 'Deny' && s.Condition?.Bool?.['aws:SecureTransport'] === 'false',
          ),
        )
        .flatMap((p) => p.props.Queues.map(refOf)),
    );
    expect(queues.every((q) => guarded.has(q.id))).toBe(true);
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('[cdk] subscribes each subscription queue with raw delivery and the adapter filter policy', () => {
    const subs = resourcesOf(template, 'AWS::SNS::Subscription');
    expect(subs).toHaveLength(topology.subscriptions.length);
    const undeliverable = queueId(template, `${PREFIX}-order-placed-undeliverable`);
    for (const spec of topology.subscriptions) {
      const queue = queueId(template, subscriptionQueueName(spec.topic, spec.name, false));
      const sub = subs.find((s) => refOf(s.props.Endpoint) === queue);
      expect(sub?.props.Protocol).toBe('sqs');
      expect(sub?.props.RawMessageDelivery).toBe(true);
      expect(sub?.props.FilterPolicy).toEqual(spec.filter ? filterPolicyOf(spec.filter) : undefined);
      expect(refOf(sub?.props.RedrivePolicy.deadLetterTargetArn)).toBe(undeliverable);
    }
    expect(subs.filter((s) => s.props.FilterPolicy)).toHaveLength(1);
  });

  it('[cdk] maps each handler to its queue with ReportBatchItemFailures, within the visibility rule', () => {
    const mappings = resourcesOf(template, 'AWS::Lambda::EventSourceMapping');
    expect(mappings).toHaveLength(7);
    for (const m of mappings) {
      expect(m.props.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
      expect(m.props.BatchSize).toBe(10);
    }
    for (const consumed of [decls.checkout, decls.billing, decls.inventory, decls.shipping]) {
      const fn = functionOn(consumed.name);
      expect(consumed.leaseSeconds).toBeGreaterThanOrEqual(6 * fn.props.Timeout);
      expect(fn.props.Runtime).toBe('nodejs24.x');
    }
    const email = functionOn(`${PREFIX}-order-placed-email`);
    expect(email.props.Handler).toBe('index.email');
  });

  it('[cdk] scopes every data-plane IAM statement to resource ARNs, never "*"', () => {
    const statements = resourcesOf(template, 'AWS::IAM::Policy').flatMap(
      (p) => p.props.PolicyDocument.Statement,
    );
    const dataPlane = statements.filter((s) => actionsOf(s).some((a) => /^(sqs|sns|dynamodb|kms):/.test(a)));
    expect(dataPlane.length).toBeGreaterThan(10);
    for (const s of dataPlane) {
      for (const r of resourcesOfStatement(s)) {
        expect(JSON.stringify(r)).not.toContain('*');
        expect(refOf(r), JSON.stringify(r)).toBeDefined();
      }
      for (const a of actionsOf(s)) expect(a).not.toContain('*');
    }
  });

  it('[cdk] grants each function only its own queue, dead-letter queue, targets and table', () => {
    const sendsOf = (fn: { props: Record<string, any> }, action: string) =>
      statementsOf(fn)
        .filter((s) => actionsOf(s).includes(action))
        .flatMap((s) => resourcesOfStatement(s).map(refOf))
        .sort();
    const checkout = functionOn(`${PREFIX}-checkout`);
    expect(sendsOf(checkout, 'sqs:SendMessage')).toEqual(
      [queueId(template, `${PREFIX}-billing`), queueId(template, `${PREFIX}-checkout-dlq`)].sort(),
    );
    expect(sendsOf(checkout, 'sns:Publish')).toEqual([resourcesOf(template, 'AWS::SNS::Topic')[0]?.id]);
    expect(sendsOf(checkout, 'sqs:ReceiveMessage')).toEqual([queueId(template, `${PREFIX}-checkout`)]);
    expect(sendsOf(checkout, 'dynamodb:PutItem')).toEqual([]);
    const billing = functionOn(`${PREFIX}-billing`);
    expect(sendsOf(billing, 'dynamodb:PutItem')).toEqual([
      resourcesOf(template, 'AWS::DynamoDB::Table')[0]?.id,
    ]);
    const shipping = functionOn(`${PREFIX}-shipping`);
    expect(sendsOf(shipping, 'sqs:SendMessage')).toEqual([queueId(template, `${PREFIX}-shipping-dlq`)]);
    expect(sendsOf(shipping, 'sns:Publish')).toEqual([]);
    // Logs go to the function's own log group only; no managed policy is attached.
    for (const role of resourcesOf(template, 'AWS::IAM::Role'))
      expect(role.props.ManagedPolicyArns).toBeUndefined();
  });

  it('[cdk] wires the environment the runtime reads: adapter, source, queue URLs, topic ARN, table', () => {
    const checkout = functionOn(`${PREFIX}-checkout`).props.Environment.Variables;
    expect(checkout.OMNIBUS_ADAPTER).toBe('aws');
    expect(checkout.OMNIBUS_SOURCE).toBe(`${PREFIX}-checkout`);
    expect(checkout.DEMO_PREFIX).toBe(PREFIX);
    expect(checkout.NODE_OPTIONS).toBe('--enable-source-maps');
    // Resolve the CloudFormation references to stand-in values and read them back as the runtime does.
    const resolved = Object.fromEntries(
      Object.entries(checkout as Record<string, unknown>).map(([k, v]) => [
        k,
        typeof v === 'string' ? v : `ref:${refOf(v) ?? 'account'}`,
      ]),
    );
    const env = readAwsEnvironment(resolved);
    expect(env.queueUrls.get(environmentKey(`${PREFIX}-billing`))).toBe(
      `ref:${queueId(template, `${PREFIX}-billing`)}`,
    );
    expect(env.queueUrls.get(environmentKey(`${PREFIX}-checkout-dlq`))).toBe(
      `ref:${queueId(template, `${PREFIX}-checkout-dlq`)}`,
    );
    expect(env.topicArns.get(environmentKey(`${PREFIX}-order-placed`))).toBe(
      `ref:${resourcesOf(template, 'AWS::SNS::Topic')[0]?.id}`,
    );
    expect(env.idempotencyTable).toBeUndefined();
    const billing = readAwsEnvironment(
      Object.fromEntries(
        Object.entries(
          functionOn(`${PREFIX}-billing`).props.Environment.Variables as Record<string, unknown>,
        ).map(([k, v]) => [k, typeof v === 'string' ? v : `ref:${refOf(v)}`]),
      ),
    );
    expect(billing.idempotencyTable).toBe(`ref:${resourcesOf(template, 'AWS::DynamoDB::Table')[0]?.id}`);
    const email = readAwsEnvironment({
      OMNIBUS_SOURCE: functionOn(`${PREFIX}-order-placed-email`).props.Environment.Variables.OMNIBUS_SOURCE,
    });
    expect(email.source).toBe(`${PREFIX}-order-placed/email`);
  });

  it('[cdk] creates the idempotency table the DynamoDB store uses: pk, TTL on ttl, on demand, PITR', () => {
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
      TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
  });

  it('[cdk] alarms on the depth of every dead-letter and undeliverable queue', () => {
    const alarmed = resourcesOf(template, 'AWS::CloudWatch::Alarm').map((a) => {
      expect(a.props.MetricName).toBe('ApproximateNumberOfMessagesVisible');
      expect(a.props.Threshold).toBe(1);
      return refOf(a.props.Dimensions[0].Value);
    });
    const dlqs = resourcesOf(template, 'AWS::SQS::Queue')
      .filter((q) => /-(dlq|undeliverable)$/.test(q.props.QueueName))
      .map((q) => q.id);
    expect(dlqs).toHaveLength(8);
    expect(alarmed.sort()).toEqual(dlqs.sort());
    expect(stack.topology.queue(`${PREFIX}-billing`).deadLetter?.alarm).toBeDefined();
  });
});
