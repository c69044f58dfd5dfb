import { describe, expect, it } from 'vitest';
import { clampLease, clampRelease } from '../../adapters/gcp/deadlines.js';
import { readIncoming, timestampToDate } from '../../adapters/gcp/incoming.js';
import { KeyGate } from '../../adapters/gcp/key-gate.js';

describe('gcp pubsub: ordering-key gate', () => {
  const lease = 10_000;

  it('hands out one message per key; other keys go on', () => {
    const gate = new KeyGate(lease);
    expect(gate.tryHandOut('k', 'm1', 0)).toBe(true);
    expect(gate.tryHandOut('k', 'm2', 0)).toBe(false);
    expect(gate.tryHandOut('j', 'n1', 0)).toBe(true);
    gate.acked('k', 'm1');
    expect(gate.tryHandOut('k', 'm2', 1)).toBe(true);
  });

  it('after a release, only the released message may go, until it returns or its delay plus a lease passes', () => {
    const gate = new KeyGate(lease);
    gate.tryHandOut('k', 'm1', 0);
    gate.released('k', 'm1', 1_000, 0);
    expect(gate.tryHandOut('k', 'm2', 500)).toBe(false);
    expect(gate.nextChangeAt()).toBe(11_000);
    expect(gate.tryHandOut('k', 'm1', 1_200)).toBe(true); // the head is back
    expect(gate.tryHandOut('k', 'm2', 1_300)).toBe(false);
    gate.released('k', 'm1', 0, 2_000);
    expect(gate.tryHandOut('k', 'm2', 2_000 + lease)).toBe(true); // the head never came back: let go
  });

  it('lets go of a head nobody settles or extends for two leases', () => {
    const gate = new KeyGate(lease);
    gate.tryHandOut('k', 'm1', 0);
    gate.touched('k', 'm1', 15_000);
    expect(gate.tryHandOut('k', 'm2', 30_000)).toBe(false); // extended at 15 s: held until 35 s
    expect(gate.tryHandOut('k', 'm2', 35_000)).toBe(true);
    expect(gate.size).toBe(1);
  });

  it('ignores settlements of messages that are not the head', () => {
    const gate = new KeyGate(lease);
    gate.tryHandOut('k', 'm1', 0);
    gate.acked('k', 'other');
    gate.released('k', 'other', 0, 0);
    expect(gate.tryHandOut('k', 'm2', 1)).toBe(false);
  });
});

describe('gcp pubsub: deadlines and incoming messages', () => {
  it('clamps leases to 10–600 s and releases to 0–600 s', () => {
    expect([
      clampLease(1),
      clampLease(30.2),
      clampLease(3_600),
      clampLease(Number.POSITIVE_INFINITY),
    ]).toEqual([10, 31, 600, 600]);
    expect([clampRelease(-1), clampRelease(0), clampRelease(2.4), clampRelease(1_200)]).toEqual([
      0, 0, 2, 600,
    ]);
  });

  it('reads body, typed attributes, ordering key, publish time and the delivery attempt', () => {
    const received = {
      ackId: 'a',
      deliveryAttempt: 3,
      message: {
        messageId: 'm-1',
        data: Buffer.from('{"a":1}'),
        attributes: { n: '5', omnibus_types: 'n=n', omnibus_target: 'sub-x' },
        orderingKey: 'k',
        publishTime: { seconds: 1_700_000_000, nanos: 250_000_000 },
      },
    };
    const parts = readIncoming(received, 'json');
    expect(parts).toEqual({
      id: 'm-1',
      body: '{"a":1}',
      attributes: { n: 5 },
      target: 'sub-x',
      orderingKey: 'k',
      publishTime: new Date(1_700_000_000_250),
      deliveryAttempt: 3,
    });
    const binary = readIncoming(
      { ackId: 'b', deliveryAttempt: 0, message: { messageId: 'm-2', data: Buffer.from([0, 255]) } },
      'binary',
    );
    expect(binary.body).toEqual(new Uint8Array([0, 255]));
    expect(binary.deliveryAttempt).toBeUndefined(); // no dead-letter policy: Pub/Sub does not count
    expect(binary.orderingKey).toBeUndefined();
    expect(timestampToDate(undefined).getTime()).toBe(0);
  });
});
