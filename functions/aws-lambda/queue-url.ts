/**
 * The queue URL of an SQS record, from its `eventSourceARN` (`arn:<partition>:sqs:<region>:<account>:<name>`): the
 * documented URL form `https://sqs.<region>.amazonaws.com/<account>/<name>` (`amazonaws.com.cn` in China), or
 * `<endpoint>/<account>/<name>` when an endpoint is configured (LocalStack, moto). Building the URL needs no
 * `GetQueueUrl` permission. No SDK import.
 *
 * @example
 * ```ts
 * queueUrlOf('arn:aws:sqs:eu-west-1:123456789012:billing');
 * // 'https://sqs.eu-west-1.amazonaws.com/123456789012/billing'
 * queueUrlOf('arn:aws:sqs:us-east-1:123456789012:billing', 'http://127.0.0.1:4566');
 * // 'http://127.0.0.1:4566/123456789012/billing'
 * ```
 * @module
 */
import { ValidationError } from '../../core/errors.js';

/** The parts of an SQS queue ARN. */
export interface SqsArn {
  readonly partition: string;
  readonly region: string;
  readonly accountId: string;
  /** Queue name (ends in `.fifo` for FIFO queues). */
  readonly name: string;
}

const SQS_ARN = /^arn:(aws[a-z-]*):sqs:([a-z0-9-]+):(\d{12}):([A-Za-z0-9_-]{1,80}(?:\.fifo)?)$/;

/**
 * Parses an SQS queue ARN; throws {@link ValidationError} naming `field` when it is not one.
 *
 * @example
 * ```ts
 * parseSqsArn('arn:aws:sqs:eu-west-1:123456789012:billing.fifo').name; // 'billing.fifo'
 * ```
 */
export function parseSqsArn(arn: unknown, field = 'eventSourceARN'): SqsArn {
  const match = typeof arn === 'string' ? SQS_ARN.exec(arn) : null;
  if (!match) {
    throw new ValidationError(field, [
      {
        message: `must be an SQS queue ARN (arn:aws:sqs:<region>:<12-digit account>:<name>), got ${JSON.stringify(arn)}`,
      },
    ]);
  }
  return { partition: match[1]!, region: match[2]!, accountId: match[3]!, name: match[4]! };
}

/**
 * The queue URL for an SQS queue ARN (see the module notes).
 *
 * @example
 * ```ts
 * queueUrlOf('arn:aws-cn:sqs:cn-north-1:123456789012:q'); // 'https://sqs.cn-north-1.amazonaws.com.cn/123456789012/q'
 * ```
 */
export function queueUrlOf(arn: string, endpoint?: string): string {
  const { partition, region, accountId, name } = parseSqsArn(arn);
  if (endpoint !== undefined && endpoint !== '')
    return `${endpoint.replace(/\/+$/, '')}/${accountId}/${name}`;
  const domain = partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com';
  return `https://sqs.${region}.${domain}/${accountId}/${name}`;
}
