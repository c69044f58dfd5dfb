/**
 * Pure helpers of the emulator setup: name generation and the OMNIBUS_EMULATORS selection.
 */
import { describe, expect, it } from 'vitest';
import { uniqueName } from '../support/emulators.js';
import { parseSelection } from './services/selection.js';

describe('emulators: uniqueName', () => {
  it('produces distinct, legal, short names', () => {
    const names = Array.from({ length: 200 }, () => uniqueName('Orders_Queue.v2'));
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) {
      expect(name).toMatch(/^[a-z][a-z0-9-]*[a-z0-9]$/);
      expect(name.length).toBeLessThanOrEqual(63);
    }
  });

  it('keeps long or odd prefixes legal, and offers an alphanumeric form for Azure tables', () => {
    expect(uniqueName('9'.repeat(100))).toMatch(/^n9+-w/);
    expect(uniqueName('x'.repeat(100)).length).toBeLessThanOrEqual(63);
    expect(uniqueName('my-table', { alphanumeric: true })).toMatch(/^[a-z][a-z0-9]{2,62}$/);
  });
});

describe('emulators: OMNIBUS_EMULATORS selection', () => {
  it('defaults to everything and understands groups', () => {
    expect([...parseSelection(undefined)].sort()).toEqual(
      ['aws', 'azurite', 'firestore', 'pubsub', 'redis', 'servicebus'].sort(),
    );
    expect([...parseSelection('none')]).toEqual([]);
    expect([...parseSelection(' aws , gcp ')].sort()).toEqual(['aws', 'firestore', 'pubsub']);
    expect([...parseSelection('azure')].sort()).toEqual(['azurite', 'servicebus']);
  });

  it('rejects unknown names with the valid list', () => {
    expect(() => parseSelection('aws,kafka')).toThrow(/unknown emulator "kafka".*aws, pubsub/);
  });
});
