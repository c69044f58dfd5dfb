/**
 * The Lambda event shapes this package handles, owned here (no dependency on `@types/aws-lambda`; they are
 * assignable from its `SQSEvent`, `SNSEvent` and `Context`). Field names and casing follow the AWS documentation:
 * - SQS: https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html (record format, `ReportBatchItemFailures`)
 * - SNS: https://docs.aws.amazon.com/lambda/latest/dg/with-sns.html (record format)
 * - Context: https://docs.aws.amazon.com/lambda/latest/dg/nodejs-context.html
 *
 * @example
 * ```ts
 * const record: SqsRecord = event.Records[0]!;
 * record.attributes.ApproximateReceiveCount; // '1'
 * record.messageAttributes.region?.stringValue; // 'eu'
 * ```
 * @module
 */

/** A message attribute of an SQS record: text and numbers in `stringValue`, bytes as base64 in `binaryValue`. */
export interface SqsMessageAttribute {
  /** `String`, `Number`, `Binary`, or one of those with a custom suffix (`Number.float`, `String.json`). */
  dataType: string;
  stringValue?: string | undefined;
  /** Base64 text of the bytes of a `Binary` attribute. */
  binaryValue?: string | undefined;
  /** Reserved by AWS; always empty. */
  stringListValues?: string[] | undefined;
  /** Reserved by AWS; always empty. */
  binaryListValues?: string[] | undefined;
}

/** System attributes of an SQS record (all text). FIFO queues add the sequence number, group and dedup ids. */
export interface SqsRecordAttributes {
  ApproximateReceiveCount?: string | undefined;
  SentTimestamp?: string | undefined;
  SenderId?: string | undefined;
  ApproximateFirstReceiveTimestamp?: string | undefined;
  SequenceNumber?: string | undefined;
  MessageGroupId?: string | undefined;
  MessageDeduplicationId?: string | undefined;
  AWSTraceHeader?: string | undefined;
  DeadLetterQueueSourceArn?: string | undefined;
}

/** One record of an SQS event. */
export interface SqsRecord {
  messageId: string;
  receiptHandle: string;
  body: string;
  attributes: SqsRecordAttributes;
  messageAttributes: Record<string, SqsMessageAttribute>;
  md5OfBody: string;
  md5OfMessageAttributes?: string | null | undefined;
  /** `aws:sqs`. */
  eventSource: string;
  /** `arn:aws:sqs:<region>:<account>:<queue name>`. */
  eventSourceARN: string;
  awsRegion: string;
}

/** The event of an SQS trigger. */
export interface SqsEvent {
  Records: SqsRecord[];
}

/** One failed record of a partial batch response. */
export interface SqsBatchItemFailure {
  itemIdentifier: string;
}

/** The answer to an SQS event when the trigger reports batch item failures (`ReportBatchItemFailures`). */
export interface SqsBatchResponse {
  batchItemFailures: SqsBatchItemFailure[];
}

/** A message attribute of an SNS record: `Type` is `String`, `Number`, `Binary` (base64 `Value`) or `String.Array`. */
export interface SnsMessageAttribute {
  Type: string;
  Value: string;
}

/** The SNS notification inside a record. */
export interface SnsNotification {
  SignatureVersion?: string | undefined;
  /** ISO time the message was published. */
  Timestamp: string;
  Signature?: string | undefined;
  SigningCertUrl?: string | undefined;
  MessageId: string;
  Message: string;
  MessageAttributes?: Record<string, SnsMessageAttribute> | undefined;
  /** `Notification`. */
  Type: string;
  UnsubscribeUrl?: string | undefined;
  TopicArn: string;
  Subject?: string | null | undefined;
  /** FIFO topics only. */
  SequenceNumber?: string | undefined;
  MessageGroupId?: string | undefined;
}

/** One record of an SNS event. */
export interface SnsRecord {
  EventVersion?: string | undefined;
  EventSubscriptionArn: string;
  /** `aws:sns`. */
  EventSource: string;
  Sns: SnsNotification;
}

/** The event of an SNS trigger (one record per invocation). */
export interface SnsEvent {
  Records: SnsRecord[];
}

/** The part of the Lambda context the handlers read. */
export interface LambdaContext {
  /** Milliseconds left before Lambda stops the invocation. */
  getRemainingTimeInMillis(): number;
  functionName?: string;
  awsRequestId?: string;
}
