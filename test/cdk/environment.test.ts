/** The environment variables the constructs write and the runtime reads: names, keys and the reader. */
import { describe, expect, it } from 'vitest';
import {
  ENVIRONMENT,
  environmentKey,
  queueUrlVariable,
  readAwsEnvironment,
  topicArnVariable,
} from '../../infra/cdk/environment.js';

describe('cdk: environment wiring', () => {
  it('[cdk] names variables after declaration paths and reads them back by key', () => {
    expect(environmentKey('order-placed/email')).toBe('ORDER_PLACED__EMAIL');
    expect(queueUrlVariable('billing-dlq')).toBe('OMNIBUS_AWS_QUEUE_URL_BILLING_DLQ');
    expect(topicArnVariable('order-placed')).toBe('OMNIBUS_AWS_TOPIC_ARN_ORDER_PLACED');
    const env = readAwsEnvironment({
      [ENVIRONMENT.adapter]: 'aws',
      [ENVIRONMENT.namePrefix]: 'staging-',
      [ENVIRONMENT.accountId]: '123456789012',
      [ENVIRONMENT.idempotencyTable]: 'idem',
      [ENVIRONMENT.source]: 'order-placed/email',
      [queueUrlVariable('order-placed/email')]:
        'https://sqs.eu-west-1.amazonaws.com/123456789012/staging-order-placed-email',
      [topicArnVariable('order-placed')]: 'arn:aws:sns:eu-west-1:123456789012:staging-order-placed',
      [queueUrlVariable('empty')]: '',
      UNRELATED: 'x',
    });
    expect(env).toEqual({
      namePrefix: 'staging-',
      accountId: '123456789012',
      idempotencyTable: 'idem',
      source: 'order-placed/email',
      queueUrls: new Map([
        [
          'ORDER_PLACED__EMAIL',
          'https://sqs.eu-west-1.amazonaws.com/123456789012/staging-order-placed-email',
        ],
      ]),
      topicArns: new Map([['ORDER_PLACED', 'arn:aws:sns:eu-west-1:123456789012:staging-order-placed']]),
    });
    expect(readAwsEnvironment({ [ENVIRONMENT.namePrefix]: '' }).namePrefix).toBeUndefined();
  });
});
