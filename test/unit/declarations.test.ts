import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineQueue, defineTopic, pathOf, ValidationError } from '../../core/index.js';

describe('declarations', () => {
  it('apply documented defaults and an automatic dead-letter queue', () => {
    const q = defineQueue('billing');
    expect(q.maxAttempts).toBe(5);
    expect(q.leaseSeconds).toBe(30);
    expect(q.deadLetter?.name).toBe('billing-dlq');
    expect(q.deadLetter?.deadLetterOf).toBe('billing');
    expect(q.deadLetter?.deadLetter).toBeUndefined();
  });
  it('subscriptions inherit the topic schema, format and ordering', () => {
    const t = defineTopic('placed', { schema: z.object({ id: z.string() }), ordering: true });
    const s = t.subscription('email', { filter: { channel: 'email' } });
    expect(s.schema).toBe(t.schema);
    expect(s.ordering).toBe(true);
    expect(pathOf(s)).toBe('placed/email');
    expect(s.deadLetter?.name).toBe('placed-email-dlq');
    expect(t.subscriptions).toEqual([s]);
  });
  it('refuse bad names and options with a ValidationError naming the field', () => {
    expect(() => defineQueue('bad name')).toThrow(ValidationError);
    expect(() => defineQueue('q', { maxAttempts: 0 })).toThrow(/maxAttempts.*1 to 1000/);
    expect(() => defineQueue('q', { leaseSeconds: 99_999 })).toThrow(/leaseSeconds/);
    const t = defineTopic('t');
    t.subscription('a');
    expect(() => t.subscription('a')).toThrow(/declared twice/);
    expect(() => t.subscription('b', { filter: { x: { range: {} } } })).toThrow(/filter\.x/);
  });
});
