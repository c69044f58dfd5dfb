import { describe, expect, it } from 'vitest';
import {
  CapabilityError,
  isNonRetryable,
  LimitError,
  NonRetryableError,
  OmnibusError,
  TransportError,
  ValidationError,
} from '../../core/index.js';

describe('errors', () => {
  it('carry a stable code, retryable flag and cause', () => {
    const cause = new Error('socket');
    const e = new TransportError('aws', 'send failed', { cause });
    expect(e.code).toBe('TRANSPORT_FAILED');
    expect(e.retryable).toBe(true);
    expect(e.cause).toBe(cause);
    expect(e.name).toBe('TransportError');
  });
  it('isInstance works across copies (structural marker, not prototype)', () => {
    const foreign = Object.assign(Object.create(null), {
      [Symbol.for('omnibus.error')]: true,
      [Symbol.for('omnibus.error.code')]: 'LIMIT_EXCEEDED',
    });
    expect(OmnibusError.isInstance(foreign)).toBe(true);
    expect(LimitError.isInstance(foreign)).toBe(true);
    expect(CapabilityError.isInstance(foreign)).toBe(false);
    expect(OmnibusError.isInstance(new Error('x'))).toBe(false);
  });
  it('limit errors name the field, the value and the limit', () => {
    const e = new LimitError('body', 307_200, 262_144, 'aws');
    expect(e.message).toBe('body is 307200 bytes, over the 262144-byte limit of aws');
  });
  it('non-retryable classification', () => {
    expect(isNonRetryable(new NonRetryableError('x'))).toBe(true);
    expect(isNonRetryable(new ValidationError('body', [{ message: 'bad' }]))).toBe(true);
    expect(isNonRetryable(Object.assign(new Error('x'), { nonRetryable: true }))).toBe(true);
    expect(isNonRetryable(new Error('x'))).toBe(false);
  });
});
