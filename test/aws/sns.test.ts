import {
  GetSubscriptionAttributesCommand,
  ListSubscriptionsByTopicCommand,
  PublishCommand,
  type SNSClient,
} from '@aws-sdk/client-sns';
import { GetQueueAttributesCommand, GetQueueUrlCommand } from '@aws-sdk/client-sqs';
import { afterAll, expect, it } from 'vitest';
import { FilterPolicyError } from '../../adapters/aws/filter-policy.js';
import { AWS_CAPABILITIES } from '../../adapters/aws/limits.js';
import { createBus } from '../../core/bus.js';
import { defineTopic, type TopicDeclaration } from '../../core/declarations.js';
import type { Delivery, Driver } from '../../core/driver.js';
import { CapabilityError } from '../../core/errors.js';
import { specOf } from '../../core/plan.js';
import { describeWithEmulator, uniqueName } from '../support/emulators.js';
import { provision, receiveAtLeast, sdkClients, testDriver } from './support.js';

const caps = AWS_CAPABILITIES;

/** Drains a subscription for `ms` and returns the bodies seen. */
async function drain(
  driver: Driver,
  sub: Parameters<typeof specOf>[0],
  count: number,
  ms = 3000,
): Promise<Delivery[]> {
  const receiver = driver.openReceiver(specOf(sub as never, caps) as never, {
    maxInFlight: 10,
    leaseSeconds: 30,
  });
  const got = await receiveAtLeast(receiver, count, ms);
  await receiver.close();
  return got;
}

async function topicArnOf(
  sns: SNSClient,
  driver: Driver,
  topic: TopicDeclaration<any, any>,
): Promise<string> {
  void driver;
  const { ListTopicsCommand } = await import('@aws-sdk/client-sns');
  const out = await sns.send(new ListTopicsCommand({}));
  let token = out.NextToken;
  const arns = (out.Topics ?? []).map((t) => t.TopicArn!);
  while (token) {
    const page = await sns.send(new ListTopicsCommand({ NextToken: token }));
    arns.push(...(page.Topics ?? []).map((t) => t.TopicArn!));
    token = page.NextToken;
  }
  const name = topic.ordering || topic.deduplication ? `${topic.name}.fifo` : topic.name;
  return arns.find((a) => a.endsWith(`:${name}`))!;
}

describeWithEmulator('aws', 'aws sns driver on the wire', () => {
  const { sqs, sns } = sdkClients();
  const driver = testDriver();
  afterAll(async () => {
    await driver.close();
    sqs.destroy();
    sns.destroy();
  });

  it('aws sns: fans out to every subscription, applying filter policies on the server', async () => {
    const topic = defineTopic(uniqueName('fan'));
    const all = topic.subscription('all', { deadLetter: false });
    const eu = topic.subscription('eu', { deadLetter: false, filter: { region: 'eu' } });
    const big = topic.subscription('big', {
      deadLetter: false,
      filter: { total: { range: { gte: 100 } }, coupon: { exists: false } },
    });
    const tiers = topic.subscription('tiers', {
      deadLetter: false,
      filter: { tier: { anyOf: ['gold', 7] }, sku: { prefix: 'BK-' } },
    });
    await provision(driver, [topic]);
    const spec = specOf(topic, caps);
    const out = await driver.send(spec, [
      { body: '1', attributes: { region: 'eu', total: 150 } },
      { body: '2', attributes: { region: 'us', total: 150, coupon: 'x' } },
      { body: '3', attributes: { region: 'eu', total: 50, tier: 'gold', sku: 'BK-1' } },
      { body: '4', attributes: { tier: 7, sku: 'BK-2', total: 100 } },
      { body: '5', attributes: { tier: 'bronze', sku: 'BK-3' } },
    ]);
    expect(out.every((o) => o.ok)).toBe(true);
    const bodies = async (sub: Parameters<typeof specOf>[0], n: number) =>
      (await drain(driver, sub, n, 2500)).map((d) => d.body).sort();
    expect(await bodies(all, 5)).toEqual(['1', '2', '3', '4', '5']);
    expect(await bodies(eu, 2)).toEqual(['1', '3']);
    expect(await bodies(big, 2)).toEqual(['1', '4']);
    expect(await bodies(tiers, 2)).toEqual(['3', '4']);
  });

  it('aws sns: subscriptions use raw delivery, the filter policy, and a queue policy for the topic', async () => {
    const topic = defineTopic(uniqueName('subattrs'));
    const eu = topic.subscription('eu', { deadLetter: false, filter: { region: 'eu' } });
    await provision(driver, [topic]);
    const topicArn = await topicArnOf(sns, driver, topic);
    const subs = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topicArn }));
    expect(subs.Subscriptions).toHaveLength(1);
    const attrs = (
      await sns.send(
        new GetSubscriptionAttributesCommand({ SubscriptionArn: subs.Subscriptions![0]!.SubscriptionArn! }),
      )
    ).Attributes!;
    expect(attrs.RawMessageDelivery).toBe('true');
    expect(JSON.parse(attrs.FilterPolicy!)).toEqual({ region: ['eu'] });
    const url = (await sqs.send(new GetQueueUrlCommand({ QueueName: `${topic.name}-eu` }))).QueueUrl!;
    const q = (
      await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['Policy', 'QueueArn'] }))
    ).Attributes!;
    const statement = JSON.parse(q.Policy!).Statement[0];
    expect(statement).toMatchObject({
      Effect: 'Allow',
      Principal: { Service: 'sns.amazonaws.com' },
      Action: 'sqs:SendMessage',
      Resource: q.QueueArn,
      Condition: { ArnEquals: { 'aws:SourceArn': topicArn } },
    });
    void eu;
  });

  it('aws sns: provisioning again is idempotent and brings a changed filter up to date', async () => {
    const name = uniqueName('refilter');
    const first = defineTopic(name);
    const sub = first.subscription('s', { deadLetter: false, filter: { region: 'eu' } });
    await provision(driver, [first]);
    await provision(driver, [first]);
    const second = defineTopic(name);
    const sub2 = second.subscription('s', { deadLetter: false, filter: { region: 'us' } });
    await provision(testDriver(), [second]);
    const topicArn = await topicArnOf(sns, driver, first);
    const subs = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topicArn }));
    expect(subs.Subscriptions).toHaveLength(1);
    await driver.send(specOf(second, caps), [
      { body: 'eu', attributes: { region: 'eu' } },
      { body: 'us', attributes: { region: 'us' } },
    ]);
    expect((await drain(driver, sub2, 1, 2000)).map((d) => d.body)).toEqual(['us']);
    // Removing the filter removes the policy.
    const third = defineTopic(name);
    third.subscription('s', { deadLetter: false });
    await provision(testDriver(), [third]);
    const attrs = (
      await sns.send(
        new GetSubscriptionAttributesCommand({ SubscriptionArn: subs.Subscriptions![0]!.SubscriptionArn! }),
      )
    ).Attributes!;
    expect(attrs.FilterPolicy ?? '').toBe('');
    void sub;
  });

  it('aws sns: a filter SNS cannot express is refused before anything is created', async () => {
    const topic = defineTopic(uniqueName('toomany'));
    topic.subscription('s', { filter: { a: 'x', b: 'x', c: 'x', d: 'x', e: 'x', f: 'x' } });
    const error = await provision(driver, [topic]).catch((e: unknown) => e);
    expect(FilterPolicyError.isInstance(error)).toBe(true);
    expect(CapabilityError.isInstance(error)).toBe(true);
    const { ListTopicsCommand } = await import('@aws-sdk/client-sns');
    const topics = await sns.send(new ListTopicsCommand({}));
    expect((topics.Topics ?? []).some((t) => t.TopicArn?.endsWith(`:${topic.name}`))).toBe(false);
  });

  it('aws sns: a FIFO topic delivers to FIFO subscription queues in order, with the ordering key', async () => {
    const topic = defineTopic(uniqueName('fifotopic'), { ordering: true });
    const sub = topic.subscription('s', { deadLetter: false });
    await provision(driver, [topic]);
    const spec = specOf(topic, caps);
    const messages = Array.from({ length: 8 }, (_, i) => ({
      body: String(i),
      attributes: { i },
      orderingKey: i < 4 ? 'a' : 'b',
      id: `m-${i}`,
    }));
    expect((await driver.send(spec, messages)).every((o) => o.ok)).toBe(true);
    const got = await drain(driver, sub, 8, 5000);
    expect(got.filter((d) => d.orderingKey === 'a').map((d) => d.body)).toEqual(['0', '1', '2', '3']);
    expect(got.filter((d) => d.orderingKey === 'b').map((d) => d.body)).toEqual(['4', '5', '6', '7']);
    expect(got[0]?.attributes).toEqual({ i: 0 });
  });

  it('aws sns: a deduplicated, unordered topic is FIFO; its subscriptions are found without provisioning memory', async () => {
    const topic = defineTopic(uniqueName('deduptopic'), { deduplication: true });
    const sub = topic.subscription('s', { deadLetter: false });
    await provision(driver, [topic]);
    const fresh = testDriver();
    const spec = specOf(topic, caps);
    await fresh.send(spec, [{ body: 'a', attributes: {}, dedupId: 'x', id: '1' }]);
    await fresh.send(spec, [{ body: 'a', attributes: {}, dedupId: 'x', id: '2' }]);
    await fresh.send(spec, [{ body: 'b', attributes: {}, dedupId: 'y', id: '3' }]);
    const got = await drain(fresh, sub, 3, 2000);
    expect(got.map((d) => d.body).sort()).toEqual(['a', 'b']);
    expect(got.every((d) => d.orderingKey === undefined)).toBe(true);
    await fresh.close();
  });

  it('aws sns: redeliver puts a message on one subscription only', async () => {
    const topic = defineTopic(uniqueName('redeliver'));
    const a = topic.subscription('a', { deadLetter: false });
    const b = topic.subscription('b', { deadLetter: false });
    await provision(driver, [topic]);
    const out = await driver.redeliver!(specOf(a, caps), [{ body: 'again', attributes: { k: 'v' } }]);
    expect(out[0]?.ok).toBe(true);
    const gotA = await drain(driver, a, 1, 2000);
    expect(gotA.map((d) => [d.body, d.attributes])).toEqual([['again', { k: 'v' }]]);
    expect(await drain(driver, b, 1, 1500)).toEqual([]);
  });

  it('aws sns: a plain SNS publish reaches an Omnibus consumer with its attributes (interop in)', async () => {
    const topic = defineTopic(uniqueName('snsin'));
    const sub = topic.subscription('s', { deadLetter: false, filter: { region: 'eu' } });
    const bus = createBus({ adapter: testDriver(), declarations: [topic] });
    await bus.provision();
    await sns.send(
      new PublishCommand({
        TopicArn: await topicArnOf(sns, driver, topic),
        Message: '{"from":"sdk"}',
        MessageAttributes: {
          region: { DataType: 'String', StringValue: 'eu' },
          n: { DataType: 'Number', StringValue: '2' },
        },
      }),
    );
    const seen = new Promise<unknown>((resolve) => {
      bus.consume(sub, async (m) => resolve({ body: m.body, attributes: m.attributes }), { waitSeconds: 1 });
    });
    expect(await seen).toEqual({ body: { from: 'sdk' }, attributes: { region: 'eu', n: 2 } });
    await bus.close();
  });

  it('aws sns: publishBatch of 23 through the bus reaches the subscription whole', async () => {
    const topic = defineTopic(uniqueName('pubbatch'));
    const sub = topic.subscription('s', { deadLetter: false });
    const bus = createBus({ adapter: testDriver(), declarations: [topic] });
    await bus.provision();
    await bus.publishBatch(
      topic,
      Array.from({ length: 23 }, (_, i) => ({ body: { i } })),
    );
    const got = await drain(driver, sub, 23, 8000);
    expect(got).toHaveLength(23);
    await bus.close();
  });

  it('aws sns: publishing from a process that did not provision finds the topic (ListTopics, or accountId)', async () => {
    const topic = defineTopic(uniqueName('lookup'));
    const sub = topic.subscription('s', { deadLetter: false });
    await provision(driver, [topic]);
    const listed = testDriver();
    expect((await listed.send(specOf(topic, caps), [{ body: 'via-list', attributes: {} }]))[0]?.ok).toBe(
      true,
    );
    const arn = await topicArnOf(sns, driver, topic);
    const built = testDriver({ accountId: arn.split(':')[4]! });
    expect((await built.send(specOf(topic, caps), [{ body: 'via-account', attributes: {} }]))[0]?.ok).toBe(
      true,
    );
    expect((await drain(driver, sub, 2, 3000)).map((d) => d.body).sort()).toEqual([
      'via-account',
      'via-list',
    ]);
    await listed.close();
    await built.close();
  });
});
