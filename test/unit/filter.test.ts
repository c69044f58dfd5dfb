import { describe, expect, it } from 'vitest';
import { assertFilter, matchesFilter, ValidationError } from '../../core/index.js';

describe('filter', () => {
  it('equals matches strings and numbers (numbers also as decimal text)', () => {
    expect(matchesFilter({ region: 'eu' }, { region: 'eu' })).toBe(true);
    expect(matchesFilter({ region: 'eu' }, { region: 'us' })).toBe(false);
    expect(matchesFilter({ n: 5 }, { n: 5 })).toBe(true);
    expect(matchesFilter({ n: 5 }, { n: '5' })).toBe(true);
    expect(matchesFilter({ n: 5 }, { n: '6' })).toBe(false);
  });
  it('anyOf, prefix, exists and ranges', () => {
    expect(matchesFilter({ t: { anyOf: ['a', 'b'] } }, { t: 'b' })).toBe(true);
    expect(matchesFilter({ t: { anyOf: ['a', 'b'] } }, { t: 'c' })).toBe(false);
    expect(matchesFilter({ s: { prefix: 'BK-' } }, { s: 'BK-1' })).toBe(true);
    expect(matchesFilter({ s: { prefix: 'BK-' } }, { s: 'XK-1' })).toBe(false);
    expect(matchesFilter({ c: { exists: false } }, {})).toBe(true);
    expect(matchesFilter({ c: { exists: true } }, {})).toBe(false);
    expect(matchesFilter({ total: { range: { gte: 100, lt: 200 } } }, { total: 100 })).toBe(true);
    expect(matchesFilter({ total: { range: { gte: 100, lt: 200 } } }, { total: 200 })).toBe(false);
    expect(matchesFilter({ total: { range: { gt: 1 } } }, { total: 'abc' })).toBe(false);
  });
  it('every condition must hold', () => {
    expect(matchesFilter({ a: 'x', b: 'y' }, { a: 'x', b: 'z' })).toBe(false);
    expect(matchesFilter({ a: 'x', b: 'y' }, { a: 'x', b: 'y' })).toBe(true);
  });
  it('rejects malformed filters with a ValidationError naming the attribute', () => {
    expect(() => assertFilter({})).toThrow(ValidationError);
    expect(() => assertFilter({ total: { range: {} } })).toThrow(/filter\.total.*at least one bound/);
    expect(() => assertFilter({ t: { anyOf: [] } })).toThrow(/filter\.t.*non-empty/);
    expect(() => assertFilter({ r: { range: { gt: 1, gte: 2 } } })).toThrow(/gt or gte/);
  });
});
