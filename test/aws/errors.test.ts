import { describe, expect, it } from 'vitest';
import { AwsRequestError, entryError, isAbort, toOmnibusError } from '../../adapters/aws/errors.js';
import { ConfigurationError, NotFoundError, TransportError } from '../../core/errors.js';

function sdkError(name: string, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(`${name} happened`), {
    name,
    $fault: 'client',
    $metadata: { httpStatusCode: 400 },
    ...extra,
  });
}

describe('aws error mapping', () => {
  it('maps a missing queue or topic to NotFoundError naming the entity', () => {
    for (const name of [
      'QueueDoesNotExist',
      'AWS.SimpleQueueService.NonExistentQueue',
      'NotFoundException',
    ]) {
      const e = toOmnibusError(sdkError(name), 'GetQueueUrl', 'queue "billing" (SQS billing)');
      expect(NotFoundError.isInstance(e)).toBe(true);
      expect(e.message).toContain('queue "billing"');
      expect(e.retryable).toBe(false);
    }
  });

  it('maps throttling, 5xx and network failures to a retryable TransportError', () => {
    const throttled = toOmnibusError(
      sdkError('ThrottlingException', { $retryable: { throttling: true } }),
      'Op',
      'x',
    );
    const server = toOmnibusError(
      sdkError('Whatever', { $fault: 'server', $metadata: { httpStatusCode: 503 } }),
      'Op',
      'x',
    );
    const network = toOmnibusError(
      Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
      'Op',
      'x',
    );
    for (const e of [throttled, server, network]) {
      expect(TransportError.isInstance(e)).toBe(true);
      expect(e.retryable).toBe(true);
    }
  });

  it('maps other refusals to a non-retryable AwsRequestError with the AWS code', () => {
    const e = toOmnibusError(sdkError('InvalidParameterValue'), 'SendMessageBatch', 'queue "q"');
    expect(AwsRequestError.isInstance(e)).toBe(true);
    expect(e.retryable).toBe(false);
    expect((e as AwsRequestError).awsCode).toBe('InvalidParameterValue');
    expect((e as AwsRequestError).operation).toBe('SendMessageBatch');
  });

  it('maps missing credentials and region to ConfigurationError', () => {
    const creds = toOmnibusError(sdkError('CredentialsProviderError'), 'Op', 'x');
    expect(ConfigurationError.isInstance(creds) && creds.field).toBe('credentials');
    const region = toOmnibusError(new Error('Region is missing'), 'Op', 'x');
    expect(ConfigurationError.isInstance(region) && region.field).toBe('region');
  });

  it('maps batch entry failures: sender faults are final, others retryable', () => {
    const sender = entryError('SendMessageBatch', 'q', { Code: 'InvalidParameterValue', SenderFault: true });
    expect(AwsRequestError.isInstance(sender) && sender.retryable).toBe(false);
    const service = entryError('SendMessageBatch', 'q', { Code: 'InternalError', SenderFault: false });
    expect(TransportError.isInstance(service) && service.retryable).toBe(true);
  });

  it('passes Omnibus errors through and recognizes aborts', () => {
    const original = new NotFoundError('x');
    expect(toOmnibusError(original, 'Op', 'y')).toBe(original);
    expect(isAbort(Object.assign(new Error('aborted'), { name: 'AbortError' }))).toBe(true);
    expect(isAbort(new Error('x'))).toBe(false);
  });
});
