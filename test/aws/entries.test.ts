import { describe, expect, it } from 'vitest';
import { type EntryTarget, splitEntries, toEntry, type WireEntry } from '../../adapters/aws/entries.js';
import { LimitError, ValidationError } from '../../core/errors.js';

const standard: EntryTarget = { kind: 'queue', fifo: false, ordered: false, queueDelaySeconds: 0 };
const orderedFifo: EntryTarget = { kind: 'queue', fifo: true, ordered: true, queueDelaySeconds: 0 };
const dedupFifo: EntryTarget = { kind: 'queue', fifo: true, ordered: false, queueDelaySeconds: 0 };
const topic: EntryTarget = { kind: 'topic', fifo: false, ordered: false, queueDelaySeconds: 0 };

function entry(result: ReturnType<typeof toEntry>): WireEntry {
  if (result instanceof Error) throw result;
  return result;
}

describe('aws send entries', () => {
  it('sends a per-message delay on standard queues, 0 included (it overrides the queue default)', () => {
    expect(entry(toEntry({ body: 'x', attributes: {}, delaySeconds: 30 }, standard)).delaySeconds).toBe(30);
    expect(entry(toEntry({ body: 'x', attributes: {} }, standard)).delaySeconds).toBe(0);
    expect(entry(toEntry({ body: 'x', attributes: {}, delaySeconds: 1.2 }, standard)).delaySeconds).toBe(2);
    expect(
      entry(toEntry({ body: 'x', attributes: {}, delaySeconds: 5 }, topic)).delaySeconds,
    ).toBeUndefined();
  });

  it('refuses a delay over 900 s', () => {
    const out = toEntry({ body: 'x', attributes: {}, delaySeconds: 901 }, standard);
    expect(LimitError.isInstance(out)).toBe(true);
  });

  it("refuses a per-message delay on FIFO queues other than the queue's own, naming delaySeconds", () => {
    const refused = toEntry({ body: 'x', attributes: {}, delaySeconds: 60, id: 'm1' }, dedupFifo);
    expect(ValidationError.isInstance(refused) && refused.field).toBe('delaySeconds');
    expect((refused as Error).message).toContain('FIFO');
    // The queue's own delay applies natively: nothing per message.
    const same = entry(
      toEntry({ body: 'x', attributes: {}, delaySeconds: 60 }, { ...dedupFifo, queueDelaySeconds: 60 }),
    );
    expect(same.delaySeconds).toBeUndefined();
    expect(
      entry(toEntry({ body: 'x', attributes: {}, orderingKey: 'k' }, orderedFifo)).delaySeconds,
    ).toBeUndefined();
  });

  it('uses the ordering key as group id and the dedup id (else the message id) as dedup id', () => {
    const e = entry(toEntry({ body: 'x', attributes: {}, orderingKey: 'cust-1', id: 'm1' }, orderedFifo));
    expect(e.groupId).toBe('cust-1');
    expect(e.dedupId).toBe('m1');
    const d = entry(
      toEntry({ body: 'x', attributes: {}, orderingKey: 'c', dedupId: 'd-1', id: 'm1' }, orderedFifo),
    );
    expect(d.dedupId).toBe('d-1');
  });

  it('gives each message of a deduplicated, unordered FIFO entity a group of its own', () => {
    const a = entry(toEntry({ body: 'x', attributes: {}, dedupId: 'h1', id: 'm1' }, dedupFifo));
    const b = entry(toEntry({ body: 'x', attributes: {}, dedupId: 'h2' }, dedupFifo));
    expect(a.groupId).toBe('m1');
    expect(b.groupId).toMatch(/^[0-9a-f-]{36}$/);
    expect(a.dedupId).toBe('h1');
  });

  it('sets no group or dedup id on standard entities', () => {
    const e = entry(toEntry({ body: 'x', attributes: {}, id: 'm1' }, standard));
    expect(e.groupId).toBeUndefined();
    expect(e.dedupId).toBeUndefined();
  });

  it('refuses FIFO ids SQS would refuse, naming the field', () => {
    const spaced = toEntry({ body: 'x', attributes: {}, orderingKey: 'customer 1' }, orderedFifo);
    expect(ValidationError.isInstance(spaced) && spaced.field).toBe('orderingKey');
    const missing = toEntry({ body: 'x', attributes: {} }, orderedFifo);
    expect(ValidationError.isInstance(missing) && missing.field).toBe('orderingKey');
    const dedup = toEntry({ body: 'x', attributes: {}, dedupId: 'é' }, dedupFifo);
    expect(ValidationError.isInstance(dedup) && dedup.field).toBe('dedupId');
  });

  it('refuses more than 10 attributes including the reserved one', () => {
    const attributes = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`a${i}`, 'v']));
    expect(toEntry({ body: 'x', attributes }, standard)).not.toBeInstanceOf(Error);
    const over = toEntry({ body: 'x', attributes: { ...attributes, omnibus_meta: 'a=1' } }, standard);
    expect(LimitError.isInstance(over) && [over.field, over.actual, over.limit]).toEqual([
      'attributes',
      11,
      10,
    ]);
  });

  it('refuses empty bodies and empty attribute values', () => {
    const body = toEntry({ body: '', attributes: {} }, standard);
    expect(ValidationError.isInstance(body) && body.field).toBe('body');
    const bytes = toEntry({ body: new Uint8Array(0), attributes: {} }, standard);
    expect(ValidationError.isInstance(bytes) && bytes.field).toBe('body');
    const attr = toEntry({ body: 'x', attributes: { k: '' } }, standard);
    expect(ValidationError.isInstance(attr) && attr.field).toBe('attributes.k');
    const bin = toEntry({ body: 'x', attributes: { k: new Uint8Array(0) } }, standard);
    expect(ValidationError.isInstance(bin) && bin.field).toBe('attributes.k');
  });

  it('refuses characters SQS refuses in text bodies and string attributes', () => {
    const body = toEntry({ body: 'a\u0000b', attributes: {} }, standard);
    expect(ValidationError.isInstance(body) && body.field).toBe('body');
    const lone = toEntry({ body: 'x', attributes: { k: '\uD800' } }, standard);
    expect(ValidationError.isInstance(lone) && lone.field).toBe('attributes.k');
    expect(toEntry({ body: 'tab\tnew\nline 😀', attributes: {} }, standard)).not.toBeInstanceOf(Error);
  });

  it('checks the size as sent: a binary body is counted in base64', () => {
    const fits = new Uint8Array(196_608); // base64: 262,144 characters
    expect(entry(toEntry({ body: fits, attributes: {} }, standard)).bytes).toBe(262_144);
    const over = toEntry({ body: new Uint8Array(196_609), attributes: {} }, standard);
    expect(LimitError.isInstance(over) && over.actual).toBe(262_148);
    expect((over as Error).message).toContain('base64');
  });

  it('counts attribute types in the size', () => {
    const body = 'x'.repeat(262_144 - 1 - 6 - 1);
    expect(toEntry({ body, attributes: { k: 'v' } }, standard)).not.toBeInstanceOf(Error);
    expect(LimitError.isInstance(toEntry({ body: `${body}x`, attributes: { k: 'v' } }, standard))).toBe(true);
  });

  it('splits entries at 10 per call and at 256 KiB per call, in order', () => {
    const small = entry(toEntry({ body: 'x', attributes: {} }, standard));
    const big = entry(toEntry({ body: 'x'.repeat(100_000), attributes: {} }, standard));
    const items = (es: WireEntry[]) => es.map((e, index) => ({ index, entry: e }));
    expect(splitEntries(items(Array(23).fill(small))).map((b) => b.length)).toEqual([10, 10, 3]);
    const mixed = splitEntries(items([big, big, big, small, big]));
    expect(mixed.map((b) => b.map((i) => i.index))).toEqual([
      [0, 1],
      [2, 3, 4],
    ]);
  });
});
