import { describe, expect, it } from 'vitest';
import { buildEnvelope, encodeEnvelope, readEnvelope } from '../../core/index.js';

const base = {
  reason: 'max-attempts',
  attempts: 3,
  source: 'billing',
  handler: 'bill',
  firstFailureAt: new Date(0).toISOString(),
  lastFailureAt: new Date(1000).toISOString(),
  originalId: 'm-1',
  redrives: 0,
};

describe('dead-letter envelope', () => {
  it('round-trips through the attribute', () => {
    const env = buildEnvelope({ ...base, error: new TypeError('boom') });
    const text = encodeEnvelope(env, 10_000);
    const back = readEnvelope({ omnibus_dead_letter: text });
    expect(back?.reason).toBe('max-attempts');
    expect(back?.error?.name).toBe('TypeError');
    expect(back?.error?.stack).toContain('boom');
  });
  it('trims the stack first, then the message, to fit the per-value limit', () => {
    const error = new Error('m'.repeat(3000));
    error.stack = 's'.repeat(5000);
    const env = buildEnvelope({ ...base, error });
    const text = encodeEnvelope(env, 1024);
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(1024);
    const back = readEnvelope({ omnibus_dead_letter: text });
    expect(back?.reason).toBe('max-attempts');
    expect(back?.attempts).toBe(3);
    expect(back?.error?.stack).toBeUndefined();
    expect(back?.error?.message.length).toBeGreaterThan(100);
  });
  it('keeps part of the stack when there is room', () => {
    const error = new Error('short');
    error.stack = 'x'.repeat(4000);
    const text = encodeEnvelope(buildEnvelope({ ...base, error }), 2048);
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(2048);
    expect(readEnvelope({ omnibus_dead_letter: text })?.error?.stack?.length).toBeGreaterThan(500);
  });
});
