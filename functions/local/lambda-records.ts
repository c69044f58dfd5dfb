/**
 * Lambda event records built the way Lambda builds them, from what a plain SDK client receives:
 * - {@link lambdaSqsRecord}: an SQS `ReceiveMessage` message (asked with `MessageSystemAttributeNames: ['All']` and
 *   `MessageAttributeNames: ['All']`) → an SQS event record: camel-cased fields, every system attribute as text,
 *   message attributes as `{ stringValue | binaryValue (base64), stringListValues: [], binaryListValues: [], dataType }`,
 *   `eventSource: 'aws:sqs'`, the queue's ARN and region (https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html).
 * - {@link lambdaSnsRecord}: the SNS notification JSON an SQS queue receives from a non-raw subscription → an SNS
 *   event record (`SigningCertURL`/`UnsubscribeURL` become `SigningCertUrl`/`UnsubscribeUrl`, as in Lambda's
 *   format: https://docs.aws.amazon.com/lambda/latest/dg/with-sns.html).
 * - {@link deliveryToSqsRecord}: a driver delivery (the memory twin) → an SQS record, for local runs without SQS.
 * Types only from the SDK.
 *
 * @example
 * ```ts
 * const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MessageSystemAttributeNames: ['All'],
 *   MessageAttributeNames: ['All'] }));
 * const event = { Records: Messages!.map((m) => lambdaSqsRecord(m, { arn: queueArn })) };
 * ```
 * @module
 */
import { createHash } from 'node:crypto';
import type { Message, MessageAttributeValue } from '@aws-sdk/client-sqs';
import { toWireAttributes, toWireBody } from '../../adapters/aws/wire.js';
import type { Delivery } from '../../core/driver.js';
import { ValidationError } from '../../core/errors.js';
import type { SnsMessageAttribute, SnsRecord, SqsMessageAttribute, SqsRecord } from '../aws-lambda/events.js';
import { parseSqsArn } from '../aws-lambda/queue-url.js';

/** The queue records come from. */
export interface QueueIdentity {
  /** `arn:aws:sqs:<region>:<account>:<name>`. */
  readonly arn: string;
}

function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

function lambdaAttribute(
  a: Pick<MessageAttributeValue, 'DataType' | 'StringValue' | 'BinaryValue'>,
): SqsMessageAttribute {
  const out: SqsMessageAttribute = { dataType: a.DataType ?? 'String' };
  if (a.StringValue !== undefined) out.stringValue = a.StringValue;
  if (a.BinaryValue !== undefined) out.binaryValue = base64(a.BinaryValue);
  out.stringListValues = [];
  out.binaryListValues = [];
  return out;
}

/**
 * The Lambda SQS record of a message received with the SDK.
 *
 * @example
 * ```ts
 * lambdaSqsRecord(message, { arn: 'arn:aws:sqs:us-east-1:123456789012:billing' }).eventSource; // 'aws:sqs'
 * ```
 */
export function lambdaSqsRecord(message: Message, queue: QueueIdentity): SqsRecord {
  const { region } = parseSqsArn(queue.arn, 'queue.arn');
  if (!message.MessageId || !message.ReceiptHandle) {
    throw new ValidationError('message', [
      { message: 'has no MessageId or ReceiptHandle (not a received message)' },
    ]);
  }
  const messageAttributes: Record<string, SqsMessageAttribute> = {};
  for (const [name, value] of Object.entries(message.MessageAttributes ?? {})) {
    messageAttributes[name] = lambdaAttribute(value);
  }
  const record: SqsRecord = {
    messageId: message.MessageId,
    receiptHandle: message.ReceiptHandle,
    body: message.Body ?? '',
    attributes: { ...(message.Attributes ?? {}) },
    messageAttributes,
    md5OfBody:
      message.MD5OfBody ??
      createHash('md5')
        .update(message.Body ?? '')
        .digest('hex'),
    eventSource: 'aws:sqs',
    eventSourceARN: queue.arn,
    awsRegion: region,
  };
  if (message.MD5OfMessageAttributes !== undefined)
    record.md5OfMessageAttributes = message.MD5OfMessageAttributes;
  return record;
}

/** The SNS notification JSON delivered to an SQS queue by a subscription without raw delivery. */
export interface SnsEnvelope {
  readonly Type: string;
  readonly MessageId: string;
  readonly TopicArn: string;
  readonly Subject?: string;
  readonly Message: string;
  readonly Timestamp: string;
  readonly SignatureVersion?: string;
  readonly Signature?: string;
  readonly SigningCertURL?: string;
  readonly UnsubscribeURL?: string;
  readonly MessageAttributes?: Record<string, SnsMessageAttribute>;
  readonly SequenceNumber?: string;
  readonly MessageGroupId?: string;
}

/**
 * The Lambda SNS record of an SNS notification (the JSON body an SQS subscriber receives).
 *
 * @example
 * ```ts
 * lambdaSnsRecord(JSON.parse(message.Body!), `${topicArn}:sub-1`).Sns.Message;
 * ```
 */
export function lambdaSnsRecord(envelope: SnsEnvelope, subscriptionArn: string): SnsRecord {
  if (envelope?.Type !== 'Notification' || typeof envelope.MessageId !== 'string') {
    throw new ValidationError('envelope', [{ message: 'is not an SNS notification (Type "Notification")' }]);
  }
  const sns: SnsRecord['Sns'] = {
    SignatureVersion: envelope.SignatureVersion ?? '1',
    Timestamp: envelope.Timestamp,
    Signature: envelope.Signature ?? '',
    SigningCertUrl: envelope.SigningCertURL ?? '',
    MessageId: envelope.MessageId,
    Message: envelope.Message,
    MessageAttributes: { ...(envelope.MessageAttributes ?? {}) },
    Type: envelope.Type,
    UnsubscribeUrl: envelope.UnsubscribeURL ?? '',
    TopicArn: envelope.TopicArn,
    Subject: envelope.Subject ?? null,
  };
  if (envelope.SequenceNumber !== undefined) sns.SequenceNumber = envelope.SequenceNumber;
  if (envelope.MessageGroupId !== undefined) sns.MessageGroupId = envelope.MessageGroupId;
  return { EventVersion: '1.0', EventSubscriptionArn: subscriptionArn, EventSource: 'aws:sns', Sns: sns };
}

/**
 * An SQS record for a driver delivery (the memory twin): the body and attributes as the AWS adapter writes them to
 * SQS, the delivery count as `ApproximateReceiveCount`, the ordering key as `MessageGroupId`.
 *
 * @example
 * ```ts
 * deliveryToSqsRecord(delivery, { arn: 'arn:aws:sqs:us-east-1:000000000000:billing' }, 'local-1');
 * ```
 */
export function deliveryToSqsRecord(
  delivery: Delivery,
  queue: QueueIdentity,
  receiptHandle: string,
  now = Date.now(),
): SqsRecord {
  const { region } = parseSqsArn(queue.arn, 'queue.arn');
  const body = toWireBody(delivery.body);
  const messageAttributes: Record<string, SqsMessageAttribute> = {};
  for (const [name, value] of Object.entries(toWireAttributes(delivery.attributes))) {
    messageAttributes[name] = lambdaAttribute(value);
  }
  const attributes: SqsRecord['attributes'] = {
    ApproximateReceiveCount: String(delivery.deliveryCount ?? 1),
    SentTimestamp: String(delivery.publishTime.getTime()),
    SenderId: 'LOCAL',
    ApproximateFirstReceiveTimestamp: String(now),
  };
  if (delivery.orderingKey !== undefined) attributes.MessageGroupId = delivery.orderingKey;
  return {
    messageId: delivery.id,
    receiptHandle,
    body,
    attributes,
    messageAttributes,
    md5OfBody: createHash('md5').update(body).digest('hex'),
    eventSource: 'aws:sqs',
    eventSourceARN: queue.arn,
    awsRegion: region,
  };
}
