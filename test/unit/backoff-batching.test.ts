import { describe, expect, it } from 'vitest';
import { backoffSeconds, type Capabilities, splitBatches } from '../../core/index.js';

const policy = { initialDelaySeconds: 1, maxDelaySeconds: 10, multiplier: 2, jitter: false };

describe('backoff', () => {
  it('grows exponentially up to the cap', () => {
    expect([1, 2, 3, 4, 5, 6].map((a) => backoffSeconds(a, policy))).toEqual([1, 2, 4, 8, 10, 10]);
  });
  it('full jitter stays within [0, computed]', () => {
    expect(backoffSeconds(3, { ...policy, jitter: true }, () => 0.5)).toBe(2);
    expect(backoffSeconds(3, { ...policy, jitter: true }, () => 0)).toBe(0);
  });
});

describe('batch splitting', () => {
  const caps = {
    limits: { maxBatchCount: 10, maxBatchBytes: 1000, attributesCountInSize: true },
  } as unknown as Capabilities;
  it('splits by count, in order', () => {
    const msgs = Array.from({ length: 25 }, (_, i) => ({ body: String(i), attributes: {} }));
    const batches = splitBatches(msgs, caps);
    expect(batches.map((b) => b.length)).toEqual([10, 10, 5]);
    expect(batches.flat().map((m) => m.body)).toEqual(msgs.map((m) => m.body));
  });
  it('splits by bytes (attributes counted)', () => {
    const msgs = Array.from({ length: 5 }, () => ({
      body: 'x'.repeat(300),
      attributes: { k: 'v'.repeat(50) },
    }));
    expect(splitBatches(msgs, caps).map((b) => b.length)).toEqual([2, 2, 1]);
  });
});
