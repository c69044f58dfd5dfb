/**
 * The configuration lint: each rule fails the synth with a clear `omnibus lint <rule>` line, and a consistent
 * topology synthesizes (no bundling: the rules do not need function code).
 */
import { Duration } from 'aws-cdk-lib';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { describe, expect, it } from 'vitest';
import { defineQueue, defineTopic } from '../../core/declarations.js';
import { OmnibusFunction } from '../../infra/cdk/function.js';
import { OmnibusQueue } from '../../infra/cdk/queue.js';
import { OmnibusTopic } from '../../infra/cdk/topic.js';
import { OmnibusTopology } from '../../infra/cdk/topology.js';
import { HANDLER, lintFindings, unbundledStack } from './support.js';

describe('cdk: config lint', () => {
  it('[cdk] lint accepts a consistent topology (control)', () => {
    const { app, stack } = unbundledStack();
    const orders = defineQueue('orders', { leaseSeconds: 60 });
    const placed = defineTopic('placed');
    const eu = placed.subscription('eu', { filter: { region: 'eu' } });
    new OmnibusTopology(stack, 'T', {
      declarations: [orders, placed],
      handlers: {
        orders: { entry: HANDLER, consumes: orders, timeout: Duration.seconds(10), publishesTo: [placed] },
        eu: { entry: HANDLER, consumes: eu },
      },
    });
    expect(lintFindings(app)).toEqual([]);
  });

  it('[cdk] lint refuses a visibility timeout below 6 × the function timeout', () => {
    const { app, stack } = unbundledStack();
    const orders = defineQueue('orders', { leaseSeconds: 30 });
    new OmnibusTopology(stack, 'T', {
      declarations: [orders],
      handlers: { orders: { entry: HANDLER, consumes: orders, timeout: Duration.seconds(6) } },
    });
    expect(lintFindings(app)).toEqual([
      expect.stringMatching(
        /omnibus lint visibility-timeout: queue "orders" \(SQS orders\): visibility timeout 30 s is below 6 × the timeout of function "Test\/T\/Function-orders" \(6 s\) = 36 s/,
      ),
    ]);
  });

  it('[cdk] lint refuses a maxReceiveCount inconsistent with the retry policy', () => {
    const { app, stack } = unbundledStack();
    new OmnibusQueue(stack, 'Q', {
      declaration: defineQueue('orders', { maxAttempts: 5 }),
      maxReceiveCount: 2,
    });
    const slow = defineQueue('slow', {
      maxAttempts: 10,
      retentionSeconds: 600,
      retry: { initialDelaySeconds: 60, maxDelaySeconds: 600 },
    });
    new OmnibusQueue(stack, 'Slow', { declaration: slow });
    const findings = lintFindings(app);
    expect(findings).toHaveLength(2);
    expect(findings[0]).toMatch(
      /max-receive-count: queue "orders" \(SQS orders\): has maxReceiveCount 2: SQS would dead-letter messages after 2 receives, before the retry policy's 5 attempts/,
    );
    expect(findings[1]).toMatch(/max-receive-count: queue "slow".*longer than the retention of 600 s/);
  });

  it('[cdk] lint refuses a FIFO topic subscribed by a standard queue', () => {
    const { app, stack } = unbundledStack();
    const rates = defineTopic('rates', { ordering: true });
    rates.subscription('feed');
    const legacy = sqs.Queue.fromQueueArn(stack, 'Legacy', 'arn:aws:sqs:eu-west-1:123456789012:legacy-feed');
    expect(legacy.fifo).toBe(false);
    const topic = new OmnibusTopic(stack, 'Rates', {
      declaration: rates,
      subscriptionQueues: { feed: { existingQueue: legacy } },
    });
    expect(topic.subscription('feed').subscription).toBeUndefined();
    expect(lintFindings(app)).toEqual([
      expect.stringMatching(
        /fifo-subscription: topic "rates" \(SNS rates.fifo\) → subscription "rates\/feed" \(SQS rates-feed.fifo\): a FIFO topic delivers only to FIFO queues/,
      ),
    ]);
  });

  it('[cdk] lint refuses a subscription filter SNS cannot express', () => {
    const { app, stack } = unbundledStack();
    const placed = defineTopic('placed');
    placed.subscription('picky', { filter: { a: '1', b: '2', c: '3', d: '4', e: '5', f: '6' } });
    placed.subscription('huge', { filter: { n: { range: { gt: 2e9 } } } });
    new OmnibusTopology(stack, 'T', { declarations: [placed] });
    expect(lintFindings(app)).toEqual([
      expect.stringMatching(
        /filter-policy: subscription "placed\/picky": .*at most 5 keys; this filter has 6/,
      ),
      expect.stringMatching(
        /filter-policy: subscription "placed\/huge": .*within ±1000000000; n uses 2000000000/,
      ),
    ]);
  });

  it('[cdk] lint refuses a handler bound to, or sending to, a queue it does not declare', () => {
    const { app, stack } = unbundledStack();
    const orders = defineQueue('orders');
    const stray = defineQueue('stray');
    new OmnibusTopology(stack, 'T', {
      declarations: [orders],
      handlers: {
        strayConsumer: { entry: HANDLER, consumes: stray },
        orders: { entry: HANDLER, consumes: orders, publishesTo: [stray] },
      },
    });
    const other = new OmnibusQueue(stack, 'Other', { declaration: defineQueue('other') });
    new OmnibusFunction(stack, 'Mismatch', { entry: HANDLER, source: other, handles: orders });
    expect(lintFindings(app)).toEqual([
      expect.stringMatching(
        /undeclared-binding: handler "strayConsumer": is bound to queue "stray", which it does not declare \(declared: queue "orders-dlq", queue "orders"\)/,
      ),
      expect.stringMatching(
        /undeclared-binding: handler "orders": sends to queue "stray", which it does not declare/,
      ),
      expect.stringMatching(
        /\[Test\/Mismatch\] .*undeclared-binding: function "Test\/Mismatch": is bound to queue "other" \(SQS other\), which it does not declare \(declared: queue "orders"\)/,
      ),
    ]);
  });

  it('[cdk] lint refuses mixed FIFO/standard dead-letter queues, adopted entities of the wrong type and colliding variables', () => {
    const { app, stack } = unbundledStack();
    const shared = defineQueue('shared-dlq', { deadLetter: false });
    const ordered = defineQueue('ordered', { ordering: true, deadLetter: shared });
    const plain = defineQueue('a-b');
    const twin = defineQueue('a_b');
    const topic = defineTopic('news');
    new OmnibusTopology(stack, 'T', {
      declarations: [ordered, plain, twin, topic],
      topics: {
        news: {
          existingTopic: sns.Topic.fromTopicArn(
            stack,
            'News',
            'arn:aws:sns:eu-west-1:123456789012:news.fifo',
          ),
        },
      },
      handlers: { ordered: { entry: HANDLER, consumes: ordered, publishesTo: [plain, twin] } },
    });
    const findings = lintFindings(app);
    expect(findings).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /dead-letter-type: queue "ordered" \(SQS ordered.fifo\): is FIFO but its dead-letter queue queue "shared-dlq" \(SQS shared-dlq\) is standard/,
        ),
        expect.stringMatching(
          /entity-type: topic "news" \(SNS news\): the adopted topic is FIFO but the declaration needs a standard topic/,
        ),
        expect.stringMatching(
          /environment-key: function "Test\/T\/Function-ordered": "a-b" and "a_b" share the environment variable OMNIBUS_AWS_QUEUE_URL_A_B/,
        ),
      ]),
    );
    expect(findings).toHaveLength(3);
  });
});
