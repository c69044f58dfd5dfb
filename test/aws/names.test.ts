import { describe, expect, it } from 'vitest';
import { AWS_CAPABILITIES } from '../../adapters/aws/limits.js';
import {
  assertNamePrefix,
  queueName,
  sourceQueueNames,
  subscriptionQueueName,
  topicName,
} from '../../adapters/aws/names.js';
import { defineQueue, defineTopic } from '../../core/declarations.js';
import { ConfigurationError } from '../../core/errors.js';
import { specOf } from '../../core/plan.js';

describe('aws names', () => {
  it('maps ordered or deduplicated entities to .fifo names', () => {
    expect(queueName('billing', false)).toBe('billing');
    expect(queueName('billing', true)).toBe('billing.fifo');
    expect(topicName('orders', true)).toBe('orders.fifo');
    expect(subscriptionQueueName('orders', 'email', true)).toBe('orders-email.fifo');
    expect(queueName('billing', true, 'staging-')).toBe('staging-billing.fifo');
  });

  it('shortens names over 80 characters with a stable hash, keeping .fifo', () => {
    const long = `${'a'.repeat(60)}-${'b'.repeat(60)}-dlq`;
    const name = queueName(long, true);
    expect(name.length).toBe(80);
    expect(name.endsWith('.fifo')).toBe(true);
    expect(name).toBe(queueName(long, true));
    expect(name).not.toBe(queueName(`${long}x`, true));
    expect(queueName('a'.repeat(80), false)).toBe('a'.repeat(80));
  });

  it('derives candidate queue names from specs', () => {
    const ordered = defineQueue('o', { ordering: true });
    const dedup = defineQueue('d', { deduplication: true });
    const plain = defineQueue('p');
    const topic = defineTopic('t');
    const sub = topic.subscription('s');
    const orderedTopic = defineTopic('ot', { ordering: true });
    const orderedSub = orderedTopic.subscription('s');
    expect(sourceQueueNames(specOf(ordered, AWS_CAPABILITIES))).toEqual(['o.fifo']);
    expect(sourceQueueNames(specOf(dedup, AWS_CAPABILITIES))).toEqual(['d.fifo']);
    expect(sourceQueueNames(specOf(plain, AWS_CAPABILITIES))).toEqual(['p']);
    // The DLQ of a deduplicated, unordered queue is FIFO on SQS; its spec alone cannot tell.
    expect(sourceQueueNames(specOf(dedup.deadLetter!, AWS_CAPABILITIES))).toEqual(['d-dlq', 'd-dlq.fifo']);
    expect(sourceQueueNames(specOf(sub, AWS_CAPABILITIES))).toEqual(['t-s', 't-s.fifo']);
    expect(sourceQueueNames(specOf(orderedSub, AWS_CAPABILITIES))).toEqual(['ot-s.fifo']);
  });

  it('refuses a bad prefix with a ConfigurationError naming namePrefix', () => {
    expect(() => assertNamePrefix('ok_-1')).not.toThrow();
    expect(() => assertNamePrefix('bad prefix')).toThrow(ConfigurationError);
    expect(() => assertNamePrefix('a.b')).toThrow(/namePrefix/);
  });
});
